// SPDX-License-Identifier: Apache-2.0
// Non-blocking eventfds, the one wake-up primitive between partvm's threads and KVM.
#pragma once
#include "base/error.h"
#include "base/result.h"
#include "base/unique_fd.h"

#include <cstdint>
#include <sys/eventfd.h>
#include <unistd.h>

namespace vmm {

inline Result<UniqueFd> make_eventfd()
{
    UniqueFd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!fd.valid()) {
        return Error::from_errno("eventfd");
    }
    return fd;
}

/// Adds one; false only if the counter would overflow (never in practice) or fd is bad.
inline bool signal_eventfd(int fd)
{
    const uint64_t one = 1;
    return ::write(fd, &one, sizeof(one)) == sizeof(one);
}

/// Reads and resets the counter: 0 when nothing was signalled.
inline uint64_t drain_eventfd(int fd)
{
    uint64_t count = 0;
    return ::read(fd, &count, sizeof(count)) == sizeof(count) ? count : 0;
}

} // namespace vmm
