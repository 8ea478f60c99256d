// SPDX-License-Identifier: Apache-2.0
#include "vmm/event_loop/restricted_ring.h"
#include "base/scope_exit.h"

#include <cerrno>
#include <vector>

namespace vmm {

namespace {

Error ring_error(int negative_errno, const char* what)
{
    errno = -negative_errno;
    return Error::from_errno(what);
}

std::vector<io_uring_restriction> restrictions(const RestrictedRingSpec& spec)
{
    std::vector<io_uring_restriction> rules;
    auto add_rule = [&rules](uint16_t kind, uint8_t value) {
        io_uring_restriction& rule = rules.emplace_back(); // Zeroed, reserved fields included.
        rule.opcode = kind;
        rule.sqe_op = value; // One union: register_op and sqe_flags share this byte.
    };
    for (uint8_t opcode : spec.opcodes) {
        add_rule(IORING_RESTRICTION_SQE_OP, opcode);
    }
    for (uint8_t op : spec.register_ops) {
        add_rule(IORING_RESTRICTION_REGISTER_OP, op);
    }
    add_rule(IORING_RESTRICTION_SQE_FLAGS_REQUIRED, IOSQE_FIXED_FILE);
    return rules;
}

int register_files(io_uring& ring, const RestrictedRingSpec& spec)
{
    if (spec.files.empty()) {
        return io_uring_register_files_sparse(&ring, spec.empty_file_slots);
    }
    std::vector<int> table(spec.files.begin(), spec.files.end());
    table.resize(table.size() + spec.empty_file_slots, -1); // -1: an empty slot.
    return io_uring_register_files(&ring, table.data(), unsigned(table.size()));
}

} // namespace

Result<void> init_restricted_ring(io_uring& ring, const RestrictedRingSpec& spec)
{
    io_uring_params params {};
    params.flags = IORING_SETUP_R_DISABLED;
    if (int error = io_uring_queue_init_params(spec.queue_depth, &ring, &params); error < 0) {
        return ring_error(error, "io_uring_setup (is io_uring disabled on this host?)");
    }
    ScopeExit tear_down([&ring] { io_uring_queue_exit(&ring); });
    if (int error = register_files(ring, spec); error < 0) {
        return ring_error(error, "io_uring: registering the file table");
    }
    if (spec.completion_eventfd >= 0) {
        if (int error = io_uring_register_eventfd(&ring, spec.completion_eventfd); error < 0) {
            return ring_error(error, "io_uring: registering the completion eventfd");
        }
    }
    std::vector<io_uring_restriction> rules = restrictions(spec);
    int error = io_uring_register_restrictions(&ring, rules.data(), unsigned(rules.size()));
    if (error == 0) {
        error = io_uring_enable_rings(&ring);
    }
    if (error < 0) {
        return ring_error(error, "io_uring: restricting the ring");
    }
    tear_down.dismiss();
    return {};
}

} // namespace vmm
