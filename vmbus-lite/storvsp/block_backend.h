// SPDX-License-Identifier: Apache-2.0
// What the storvsp device asks of the storage behind a disk: asynchronous reads and writes
// straight between the image and guest pages, flushes and hole punches. The runtime serves it with
// io_uring (vmm/block); tests serve it from a byte vector. Every call happens on the VMBus thread,
// and every completion is delivered there too.
#pragma once
#include <cstdint>
#include <functional>
#include <sys/uio.h>
#include <vector>

namespace vmbus::storvsp {

enum class BlockOp {
    Read, ///< Image bytes [offset, offset + total iov length) into the buffers.
    Write, ///< The buffers into the image at offset; with `fua`, durable before done.
    Flush, ///< Every write already completed becomes durable (fdatasync).
    Discard, ///< The byte ranges in `discard` read back as zeros and may free space.
};

struct ByteRange {
    uint64_t offset { 0 };
    uint64_t length { 0 };
};

struct BlockRequest {
    BlockOp op { BlockOp::Read };
    uint64_t offset { 0 }; ///< Read, Write: in bytes, inside the disk.
    /// Read, Write: host views of guest memory (already checked to lie in guest RAM), in order.
    /// The guest may change them during the I/O; that only tears its own data.
    std::vector<iovec> buffers {};
    bool fua { false };
    std::vector<ByteRange> discard {}; ///< Discard: inside the disk, none empty.
};

class BlockBackend {
public:
    /// 0 on success, else a positive errno (EIO, ENOSPC, ...). A short transfer that cannot be
    /// completed is EIO: the device never reports partial success.
    using Done = std::function<void(int error)>;

    virtual ~BlockBackend() = default;
    /// Starts `request`; `done` runs exactly once, later, on the VMBus thread (never from inside
    /// submit()), unless the backend is destroyed first. The backend may queue requests it cannot
    /// start at once; the caller bounds how many it has outstanding.
    virtual void submit(BlockRequest request, Done done) = 0;
    /// Hands everything submit() queued since the last call to the kernel: the device calls it
    /// once per batch of guest packets, so one system call carries many requests.
    virtual void kick() = 0;
};

} // namespace vmbus::storvsp
