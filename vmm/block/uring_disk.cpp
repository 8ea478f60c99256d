// SPDX-License-Identifier: Apache-2.0
#include "vmm/block/uring_disk.h"
#include "base/check.h"
#include "base/eventfd.h"
#include "base/log.h"
#include "vmm/block/disk_ring.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

namespace vmm {

namespace {

/// The ring's SQ size is at most this (the kernel allows more; no disk needs it).
constexpr unsigned max_queue_depth = 4096;

/// The most iovecs one READV/WRITEV may carry (the kernel's UIO_MAXIOV). A longer list goes in
/// pieces, as a short transfer would.
constexpr size_t max_iovecs_per_sqe = IOV_MAX;

/// Discard's fallocate mode on files and block devices alike (see uring_disk.h): keeping the
/// size, as a disk never changes length.
constexpr int punch_hole_mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;

uint64_t total_length(const std::vector<iovec>& buffers)
{
    uint64_t total = 0;
    for (const iovec& buffer : buffers) {
        total += buffer.iov_len;
    }
    return total;
}

/// True when the request has nothing for the kernel to do.
bool is_empty(const UringDisk::BlockRequest& request)
{
    switch (request.op) {
    case UringDisk::BlockOp::Read:
    case UringDisk::BlockOp::Write:
        return total_length(request.buffers) == 0;
    case UringDisk::BlockOp::Flush:
        return false;
    case UringDisk::BlockOp::Discard:
        return request.discard.empty();
    }
    return false;
}

} // namespace

Result<std::unique_ptr<UringDisk>> UringDisk::create(
    UniqueFd image, EventLoop& loop, Options options)
{
    if (options.queue_depth == 0 || options.queue_depth > max_queue_depth) {
        return Error::invalid("disk: the queue depth must be 1 to 4096");
    }
    struct stat status { };
    if (::fstat(image.get(), &status) != 0) {
        return Error::from_errno("disk image: fstat");
    }
    uint64_t size = 0;
    if (S_ISREG(status.st_mode)) {
        size = uint64_t(status.st_size);
    } else if (S_ISBLK(status.st_mode)) {
        if (::ioctl(image.get(), BLKGETSIZE64, &size) != 0) {
            return Error::from_errno("disk image: BLKGETSIZE64");
        }
    } else {
        return Error::invalid("disk image: neither a regular file nor a block device");
    }
    UniqueFd completions = TRY(make_eventfd());
    std::unique_ptr<UringDisk> disk(
        new UringDisk(std::move(image), std::move(completions), loop, options));
    TRY(init_disk_ring(
        disk->m_ring, options.queue_depth, disk->m_image.get(), disk->m_completions.get()));
    disk->m_ring_ready = true;
    disk->m_size_bytes = size;
    UringDisk* raw = disk.get();
    disk->m_watch = loop.watch(raw->m_completions.get(), [raw] { raw->on_completions(); });
    return disk;
}

UringDisk::UringDisk(UniqueFd image, UniqueFd completions, EventLoop& loop, const Options& options)
    : m_image(std::move(image))
    , m_completions(std::move(completions))
    , m_loop(loop)
    , m_slots(options.queue_depth)
    , m_waiting(options.max_waiting)
{
    m_free_slots.reserve(options.queue_depth);
    for (unsigned index = options.queue_depth; index-- > 0;) {
        m_free_slots.push_back(index); // Lowest first off the back.
    }
    m_deferred.reserve(options.queue_depth);
}

UringDisk::~UringDisk()
{
    m_loop.unwatch(m_watch);
    if (!m_ring_ready) {
        return;
    }
    // The kernel may still be reading into guest pages, which outlive this object but not by
    // much: wait for every SQE it took. Nothing in between is cancellable in practice (file and
    // block I/O runs to its end), and ASYNC_CANCEL is not among the ring's opcodes anyway. SQEs
    // prepared but never submitted simply vanish with the ring.
    while (m_in_kernel > 0) {
        io_uring_cqe* cqe = nullptr;
        const int error = io_uring_wait_cqe(&m_ring, &cqe);
        if (error == -EINTR) {
            continue;
        }
        CHECK(error == 0);
        io_uring_cqe_seen(&m_ring, cqe);
        --m_in_kernel;
    }
    io_uring_queue_exit(&m_ring);
}

void UringDisk::submit(BlockRequest request, Done done)
{
    if (is_empty(request)) {
        defer(std::move(done), 0);
    } else if (!m_free_slots.empty()) {
        start(std::move(request), std::move(done));
    } else if (m_waiting.full()) {
        // The caller bounds its requests (BlockBackend::submit); one past the bound is refused,
        // never allowed to grow the queue.
        defer(std::move(done), EAGAIN);
    } else {
        m_waiting.push({ std::move(request), std::move(done) });
    }
}

void UringDisk::kick()
{
    submit_queued();
}

void UringDisk::submit_queued()
{
    if (io_uring_sq_ready(&m_ring) == 0) {
        return;
    }
    const int submitted = io_uring_submit(&m_ring);
    if (submitted < 0) {
        // Unsubmitted SQEs stay in the ring; the next kick or wake-up tries again.
        LOG_WARN("disk: io_uring_submit: error {}", -submitted);
        return;
    }
    m_in_kernel += unsigned(submitted);
}

void UringDisk::start(BlockRequest&& request, Done&& done)
{
    DCHECK(!m_free_slots.empty());
    const unsigned index = m_free_slots.back();
    m_free_slots.pop_back();
    Slot& slot = m_slots[index];
    slot.request = std::move(request);
    slot.done = std::move(done);
    slot.next_buffer = 0;
    slot.position = slot.request.offset;
    slot.next_range = 0;
    // Empty buffers at the front would make the first transfer look like an end of file.
    auto& buffers = slot.request.buffers;
    while (slot.next_buffer < buffers.size() && buffers[slot.next_buffer].iov_len == 0) {
        ++slot.next_buffer;
    }
    prepare(index);
}

void UringDisk::prepare(unsigned index)
{
    // Never full: every slot has at most one SQE in the ring, and the SQ has a place per slot.
    io_uring_sqe* sqe = io_uring_get_sqe(&m_ring);
    CHECK(sqe != nullptr);
    Slot& slot = m_slots[index];
    const BlockRequest& request = slot.request;
    const iovec* buffers = request.buffers.data() + slot.next_buffer;
    const auto count
        = unsigned(std::min(request.buffers.size() - slot.next_buffer, max_iovecs_per_sqe));
    switch (request.op) {
    case BlockOp::Read:
        io_uring_prep_readv(sqe, disk_image_slot, buffers, count, slot.position);
        break;
    case BlockOp::Write:
        io_uring_prep_writev(sqe, disk_image_slot, buffers, count, slot.position);
        if (request.fua) {
            sqe->rw_flags = RWF_DSYNC; // Durable, data and the metadata to find it, before done.
        }
        break;
    case BlockOp::Flush:
        io_uring_prep_fsync(sqe, disk_image_slot, IORING_FSYNC_DATASYNC);
        break;
    case BlockOp::Discard: {
        const vmbus::storvsp::ByteRange& range = request.discard[slot.next_range];
        io_uring_prep_fallocate(sqe, disk_image_slot, punch_hole_mode, range.offset, range.length);
        break;
    }
    }
    sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(sqe, index);
}

void UringDisk::advance(unsigned index, int result)
{
    if (result < 0) {
        finish(index, -result);
        return;
    }
    Slot& slot = m_slots[index];
    switch (slot.request.op) {
    case BlockOp::Read:
    case BlockOp::Write: {
        if (result == 0) {
            // Nothing moved with bytes still to go: a read past the end of a shrunk image, or a
            // write the device will not take. The device never reports partial success.
            finish(index, EIO);
            return;
        }
        // A short transfer: step over what moved, trimming the buffer it ended in, and go on.
        auto& buffers = slot.request.buffers;
        slot.position += uint64_t(result);
        size_t moved = size_t(result);
        while (slot.next_buffer < buffers.size() && moved >= buffers[slot.next_buffer].iov_len) {
            moved -= buffers[slot.next_buffer].iov_len;
            ++slot.next_buffer;
        }
        if (slot.next_buffer == buffers.size()) {
            finish(index, 0);
            return;
        }
        iovec& partial = buffers[slot.next_buffer];
        partial.iov_base = static_cast<char*>(partial.iov_base) + moved;
        partial.iov_len -= moved;
        prepare(index);
        return;
    }
    case BlockOp::Flush:
        finish(index, 0);
        return;
    case BlockOp::Discard:
        if (++slot.next_range == slot.request.discard.size()) {
            finish(index, 0);
        } else {
            prepare(index); // One range at a time: discards are rare and need no parallelism.
        }
        return;
    }
}

void UringDisk::finish(unsigned index, int error)
{
    Slot& slot = m_slots[index];
    Done done = std::move(slot.done);
    slot.done = nullptr;
    slot.request = {}; // The caller's buffers list goes now, not when the slot is reused.
    m_free_slots.push_back(index);
    if (!m_waiting.empty()) {
        Waiting next = m_waiting.pop();
        start(std::move(next.request), std::move(next.done));
    }
    done(error);
}

void UringDisk::defer(Done&& done, int error)
{
    m_deferred.emplace_back(std::move(done), error);
    CHECK(signal_eventfd(m_completions.get()));
}

void UringDisk::on_completions()
{
    drain_eventfd(m_completions.get());
    // One CQE at a time, marked seen before its request moves on: a `done` may submit and kick.
    io_uring_cqe* cqe = nullptr;
    while (io_uring_peek_cqe(&m_ring, &cqe) == 0) {
        const auto index = unsigned(io_uring_cqe_get_data64(cqe));
        const int result = cqe->res;
        io_uring_cqe_seen(&m_ring, cqe);
        --m_in_kernel;
        CHECK(index < m_slots.size());
        advance(index, result);
    }
    std::vector<std::pair<Done, int>> deferred;
    deferred.swap(m_deferred);
    for (auto& [done, error] : deferred) {
        done(error);
    }
    if (m_deferred.empty()) {
        deferred.clear();
        m_deferred.swap(deferred); // Keeps the reserved capacity.
    }
    // Short transfers, further ranges and requests that were waiting, all in one system call.
    submit_queued();
}

} // namespace vmm
