// SPDX-License-Identifier: Apache-2.0
#include "vmm/event_loop/restricted_ring.h"

#include <cerrno>
#include <vector>

namespace vmm {

namespace {

Error ring_error(int negative_errno, const char* what)
{
    errno = -negative_errno;
    return Error::from_errno(what);
}

} // namespace

Result<void> init_restricted_ring(io_uring& ring, unsigned queue_depth, unsigned file_slots)
{
    io_uring_params params {};
    params.flags = IORING_SETUP_R_DISABLED;
    if (int error = io_uring_queue_init_params(queue_depth, &ring, &params); error < 0) {
        return ring_error(error, "io_uring_setup (is io_uring disabled on this host?)");
    }
    std::vector<io_uring_restriction> rules;
    auto add_rule = [&rules](uint16_t kind, uint8_t value) {
        io_uring_restriction& rule = rules.emplace_back(); // Zeroed, reserved fields included.
        rule.opcode = kind;
        rule.sqe_op = value; // One union: register_op and sqe_flags share this byte.
    };
    for (uint8_t opcode : ring_allowed_opcodes) {
        add_rule(IORING_RESTRICTION_SQE_OP, opcode);
    }
    add_rule(IORING_RESTRICTION_REGISTER_OP, ring_allowed_register_op);
    add_rule(IORING_RESTRICTION_SQE_FLAGS_REQUIRED, IOSQE_FIXED_FILE);
    int error = io_uring_register_files_sparse(&ring, file_slots);
    if (error < 0) {
        io_uring_queue_exit(&ring);
        return ring_error(error, "io_uring: registering the file table");
    }
    error = io_uring_register_restrictions(&ring, rules.data(), unsigned(rules.size()));
    if (error == 0) {
        error = io_uring_enable_rings(&ring);
    }
    if (error < 0) {
        io_uring_queue_exit(&ring);
        return ring_error(error, "io_uring: restricting the ring");
    }
    return {};
}

} // namespace vmm
