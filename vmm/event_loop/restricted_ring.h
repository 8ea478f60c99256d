// SPDX-License-Identifier: Apache-2.0
// An io_uring that can only do what the event loop needs. seccomp never sees the operations a ring
// performs, so a compromised VMBus thread could otherwise open, read or send anything through it.
// The ring is created disabled, given a sparse table of registered files, restricted to the
// opcode allowlist below with IOSQE_FIXED_FILE required on every SQE (so it reaches only files
// the loop registered), and only then enabled.
#pragma once
#include "base/result.h"

#include <array>
#include <cstdint>
#include <liburing.h>

namespace vmm {

/// The operations the event loop submits: readiness polls, timers, and cancelling either by its
/// user data (TIMEOUT_REMOVE would not do: it refuses the IOSQE_FIXED_FILE flag required below).
/// None of them moves data.
inline constexpr std::array<uint8_t, 3> ring_allowed_opcodes {
    IORING_OP_POLL_ADD,
    IORING_OP_TIMEOUT,
    IORING_OP_ASYNC_CANCEL,
};

/// The one io_uring_register() operation allowed once the ring is enabled: filling and emptying
/// slots of the registered-file table.
inline constexpr uint8_t ring_allowed_register_op = IORING_REGISTER_FILES_UPDATE;

/// Sets `ring` up as above with `file_slots` empty registered-file slots. On error the ring is
/// not set up.
Result<void> init_restricted_ring(io_uring& ring, unsigned queue_depth, unsigned file_slots);

} // namespace vmm
