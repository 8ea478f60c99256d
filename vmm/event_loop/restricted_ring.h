// SPDX-License-Identifier: Apache-2.0
// An io_uring that can only do what its one user needs. seccomp never sees the operations a ring
// performs, so a compromised thread could otherwise open, read or send anything through it. The
// ring is created disabled, given its registered files (and, if asked, a completion eventfd),
// restricted to an opcode allowlist with IOSQE_FIXED_FILE required on every SQE (so it reaches
// only files registered to it), limited to a list of io_uring_register() operations, and only
// then enabled. The event loop and each disk (vmm/block) set theirs up here with their own lists.
#pragma once
#include "base/result.h"

#include <array>
#include <cstdint>
#include <liburing.h>
#include <span>

namespace vmm {

struct RestrictedRingSpec {
    unsigned queue_depth { 0 };
    /// The SQE opcodes the ring accepts; every SQE must also carry IOSQE_FIXED_FILE.
    std::span<const uint8_t> opcodes {};
    /// The io_uring_register() operations allowed once the ring is enabled; empty for none.
    std::span<const uint8_t> register_ops {};
    /// The registered-file table: these fds in slots 0, 1, ..., then `empty_file_slots` empty
    /// slots. The ring holds its own references: the caller may close its fds afterwards.
    std::span<const int> files {};
    unsigned empty_file_slots { 0 };
    /// Signalled by the kernel for every completion when not -1 (io_uring_register_eventfd),
    /// registered before the restrictions so that EVENTFD need not be among `register_ops`.
    int completion_eventfd { -1 };
};

/// Sets `ring` up as above. On error the ring is not set up.
Result<void> init_restricted_ring(io_uring& ring, const RestrictedRingSpec& spec);

/// The operations the event loop submits: readiness polls, timers, and cancelling either by its
/// user data (TIMEOUT_REMOVE would not do: it refuses the IOSQE_FIXED_FILE flag required above).
/// None of them moves data.
inline constexpr std::array<uint8_t, 3> ring_allowed_opcodes {
    IORING_OP_POLL_ADD,
    IORING_OP_TIMEOUT,
    IORING_OP_ASYNC_CANCEL,
};

/// The one io_uring_register() operation the event loop may use once its ring is enabled:
/// filling and emptying slots of its registered-file table.
inline constexpr uint8_t ring_allowed_register_op = IORING_REGISTER_FILES_UPDATE;

/// The event loop's ring: the lists above and `file_slots` empty registered-file slots.
inline Result<void> init_event_loop_ring(io_uring& ring, unsigned queue_depth, unsigned file_slots)
{
    return init_restricted_ring(ring,
        { .queue_depth = queue_depth,
            .opcodes = ring_allowed_opcodes,
            .register_ops = std::span(&ring_allowed_register_op, 1),
            .empty_file_slots = file_slots });
}

} // namespace vmm
