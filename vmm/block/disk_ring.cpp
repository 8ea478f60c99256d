// SPDX-License-Identifier: Apache-2.0
#include "vmm/block/disk_ring.h"
#include "vmm/event_loop/restricted_ring.h"

namespace vmm {

Result<void> init_disk_ring(
    io_uring& ring, unsigned queue_depth, int image_fd, int completion_eventfd)
{
    const int files[] = { image_fd };
    static_assert(disk_image_slot == 0, "the image is the first and only registered file");
    return init_restricted_ring(ring,
        { .queue_depth = queue_depth,
            .opcodes = disk_ring_opcodes,
            .register_ops = {}, // The file table and the eventfd never change.
            .files = files,
            .completion_eventfd = completion_eventfd });
}

} // namespace vmm
