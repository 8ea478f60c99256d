// SPDX-License-Identifier: Apache-2.0
// A disk's own io_uring, fenced like the event loop's (vmm/event_loop/restricted_ring.h): it can
// reach only the disk's image, through the registered-file slot below, and only with the four
// operations a disk needs. A compromised VMBus thread can therefore read and write the image it
// already serves, and nothing else, through this ring.
#pragma once
#include "base/result.h"

#include <array>
#include <cstdint>
#include <liburing.h>

namespace vmm {

/// Vectored reads and writes straight between the image and guest pages, fdatasync for flushes
/// and FUA, and fallocate for hole punching (discard).
inline constexpr std::array<uint8_t, 4> disk_ring_opcodes {
    IORING_OP_READV,
    IORING_OP_WRITEV,
    IORING_OP_FSYNC,
    IORING_OP_FALLOCATE,
};

/// The image's slot in the ring's registered-file table, the table's only slot.
inline constexpr int disk_image_slot = 0;

/// Sets `ring` up with `queue_depth` SQ entries: the image registered at disk_image_slot, every
/// completion signalled on `completion_eventfd`, the opcodes above with IOSQE_FIXED_FILE required,
/// and no io_uring_register() operation at all once enabled. On error the ring is not set up.
Result<void> init_disk_ring(
    io_uring& ring, unsigned queue_depth, int image_fd, int completion_eventfd);

} // namespace vmm
