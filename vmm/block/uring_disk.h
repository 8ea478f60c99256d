// SPDX-License-Identifier: Apache-2.0
// The storvsp block backend on io_uring: one disk image (a regular file or a block device) served
// through the disk's own restricted ring (disk_ring.h). Requests go straight between the image
// and guest pages (READV/WRITEV over the request's iovecs, no bounce buffer); completions are
// reaped in batches on the VMBus thread, woken by the ring's eventfd through the event loop.
//
// Discard punches holes (fallocate PUNCH_HOLE | KEEP_SIZE, one range after another). On a
// regular file the ranges become holes. A block device has no BLKDISCARD through the ring (an
// ioctl; only the URING_CMD pass-through could carry it, too broad an opcode to allow), but the
// kernel serves the same fallocate on a block device as WRITE ZEROES that may unmap and never
// falls back to writing zeros: the ranges read back as zeros and the device may free them, and a
// device that cannot do that fails the discard with EOPNOTSUPP (ranges not aligned to its
// logical block size: EINVAL). The device's caller decides whether to advertise discard.
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"
#include "vmbus-lite/storvsp/block_backend.h"
#include "vmm/block/fixed_queue.h"
#include "vmm/event_loop/event_loop.h"

#include <cstdint>
#include <liburing.h>
#include <memory>
#include <utility>
#include <vector>

namespace vmm {

class UringDisk final : public vmbus::storvsp::BlockBackend {
public:
    using BlockOp = vmbus::storvsp::BlockOp;
    using BlockRequest = vmbus::storvsp::BlockRequest;

    struct Options {
        /// Requests in the kernel at once: the ring's SQ size and the slot table's.
        unsigned queue_depth { 128 };
        /// Requests waiting behind them for a free slot; one more fails with EAGAIN.
        unsigned max_waiting { 1024 };
    };

    /// Serves `image`, opened read-write or read-only as the disk is meant to be (a write to a
    /// read-only image fails with EBADF). Completions are watched on `loop`, which must outlive the
    /// disk; call from the loop's thread or before it runs.
    static Result<std::unique_ptr<UringDisk>> create(
        UniqueFd image, EventLoop& loop, Options options);
    static Result<std::unique_ptr<UringDisk>> create(UniqueFd image, EventLoop& loop)
    {
        return create(std::move(image), loop, Options {});
    }

    /// On the loop's thread (or once it no longer runs), never from inside a `done`. Requests
    /// still waiting for a slot or not yet kicked are dropped; the ones the kernel already has are
    /// waited for, so that none writes into guest memory afterwards. No `done` is called for any
    /// of them. That wait is an io_uring_enter, which the VMBus and main threads' seccomp
    /// lists allow (docs/sandbox.md).
    ~UringDisk() override;
    UringDisk(const UringDisk&) = delete;
    UringDisk& operator=(const UringDisk&) = delete;

    void submit(BlockRequest request, Done done) override;
    void kick() override;

    /// The image's size in bytes when the disk was created.
    uint64_t size_bytes() const { return m_size_bytes; }

private:
    /// A request the kernel is working on; its index in m_slots is its SQEs' user data.
    struct Slot {
        BlockRequest request;
        Done done;
        size_t next_buffer { 0 }; ///< Read, Write: the first buffer not yet transferred in full.
        uint64_t position { 0 }; ///< Read, Write: the image offset of that buffer's first byte.
        size_t next_range { 0 }; ///< Discard: the range the SQE in flight punches.
    };
    struct Waiting {
        BlockRequest request;
        Done done;
    };

    UringDisk(UniqueFd image, UniqueFd completions, EventLoop& loop, const Options& options);
    /// Takes a free slot for the request and queues its first SQE.
    void start(BlockRequest&& request, Done&& done);
    /// Queues the SQE for what remains of slot `index`'s request.
    void prepare(unsigned index);
    /// Moves slot `index` on by one completion with result `result`.
    void advance(unsigned index, int result);
    /// Frees slot `index` (starting a waiting request in it) and reports `error`.
    void finish(unsigned index, int error);
    /// Reports `error` from the next wake-up: `done` never runs inside submit().
    void defer(Done&& done, int error);
    /// The eventfd's handler: every CQE, then every deferred report, then one submission.
    void on_completions();
    void submit_queued();

    UniqueFd m_image;
    UniqueFd m_completions; // eventfd: the kernel signals it per CQE, defer() too.
    EventLoop& m_loop;
    EventLoop::WatchId m_watch { 0 };
    io_uring m_ring {};
    bool m_ring_ready { false };
    uint64_t m_size_bytes { 0 };
    std::vector<Slot> m_slots;
    std::vector<unsigned> m_free_slots;
    FixedQueue<Waiting> m_waiting;
    std::vector<std::pair<Done, int>> m_deferred;
    unsigned m_in_kernel { 0 }; // SQEs submitted whose CQE is not yet reaped.
};

} // namespace vmm
