// SPDX-License-Identifier: Apache-2.0
// The guest pages one SCSI request moves data through: the GPA-direct range cut to the request's
// transfer length, each piece checked to lie in guest RAM once, then used in place (io_uring
// reads and writes go straight to these pages) or copied for the few commands the host answers
// itself.
#pragma once
#include "guestmem/guest_memory.h"
#include "vmbus-lite/storvsp/gpa_range.h"

#include <cstddef>
#include <optional>
#include <span>
#include <sys/uio.h>
#include <vector>

namespace vmbus::storvsp {

class DataBuffer {
public:
    /// No buffer: a command without data.
    DataBuffer() = default;

    /// The first `length` bytes of `range` (which must hold at least that many), or nullopt when
    /// a piece lies outside guest RAM or across the end of a memory region.
    static std::optional<DataBuffer> map(
        const vmm::GuestMemory& memory, const GpaRange& range, uint32_t length);

    uint32_t size() const { return m_size; }
    /// The pieces as iovecs, in order, for a vectored read or write.
    std::vector<iovec> iovecs() const;
    /// Copies `bytes` to the start of the buffer, at most size() of them.
    void copy_in(std::span<const std::byte> bytes) const;
    /// A snapshot of the whole buffer (the guest may keep writing to its pages).
    std::vector<std::byte> copy_out() const;

private:
    std::vector<std::span<std::byte>> m_pieces;
    uint32_t m_size { 0 };
};

} // namespace vmbus::storvsp
