// SPDX-License-Identifier: Apache-2.0
// For tests that drive an io_uring by hand: submit what is prepared and wait for its answer.
#pragma once
#include <doctest/doctest.h>
#include <liburing.h>

namespace partvm_test {

/// Submits the one prepared SQE and returns its completion's result.
inline int submit_one(io_uring& ring)
{
    REQUIRE(io_uring_submit(&ring) == 1);
    io_uring_cqe* cqe = nullptr;
    REQUIRE(io_uring_wait_cqe(&ring, &cqe) == 0);
    const int result = cqe->res;
    io_uring_cqe_seen(&ring, cqe);
    return result;
}

} // namespace partvm_test
