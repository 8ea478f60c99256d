// SPDX-License-Identifier: Apache-2.0
// A RingMemory over guest pages (docs/vmbus.md#ring-buffers): one control page, then the data
// pages in GPADL order. Host addresses are resolved once, when the ring is mapped; each access is
// then a copy with no further lookups. The guest writes these pages concurrently, so every field is
// read once into host memory and validated there (IncomingRing and OutgoingRing do).
#pragma once
#include "base/result.h"
#include "guestmem/guest_memory.h"
#include "vmbus-lite/gpadl/gpadl_error.h"
#include "vmbus-lite/gpadl/gpadl_table.h"
#include "vmbus-lite/ring/ring_memory.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace vmbus {

/// Holds host pointers into `memory`'s mapping: the GuestMemory must outlive the ring.
class GuestRingMemory final : public RingMemory {
public:
    /// Maps one ring: pfns[0] is its control page, the rest its data area in order (at least one).
    /// PageOutsideRam if any page is not guest RAM.
    static vmm::Result<std::unique_ptr<GuestRingMemory>, GpadlError> map(
        const vmm::GuestMemory& memory, std::span<const uint64_t> pfns);

    uint32_t data_size() const override { return m_data_size; }
    uint32_t load(RingControl field) const override;
    void store(RingControl field, uint32_t value) override;
    void copy_out(uint32_t offset, std::span<std::byte> out) const override;
    void copy_in(uint32_t offset, std::span<const std::byte> in) override;

    /// True when the data pages are one run of host memory, so copies are single memcpys.
    bool contiguous() const { return m_contiguous != nullptr; }

private:
    GuestRingMemory(std::byte* control, std::vector<std::byte*> data_pages);
    /// Calls copy(guest pointer, bytes done, chunk bytes) for each piece of [offset, offset +
    /// size) that is contiguous in host memory.
    template<class Copy> void for_each_chunk(uint32_t offset, size_t size, Copy copy) const;

    std::byte* m_control;
    std::vector<std::byte*> m_data_pages; // Host address of each 4 KiB data page.
    std::byte* m_contiguous; // First data page when all are consecutive in host memory, else null.
    uint32_t m_data_size;
};

/// The two rings of one channel, mapped from its ring GPADL.
struct RingPair {
    std::unique_ptr<RingMemory> guest_to_host; ///< The guest's outbound ring: the host reads it.
    std::unique_ptr<RingMemory> host_to_guest; ///< The guest's inbound ring: the host writes it.
};

/// Splits a ring GPADL at OPENCHANNEL's downstream_ringbuffer_pageoffset
/// (docs/vmbus.md#the-ring-gpadl): pages [0, off) are the guest-to-host ring, pages [off, n) the
/// host-to-guest ring, each a control page and at least one data page. NotARing unless the GPADL
/// covers exactly its pages (byte_offset 0, byte_count n * 4096); BadRingOffset unless
/// 1 < off < n - 1. `memory` must outlive the rings.
vmm::Result<RingPair, GpadlError> map_ring_pair(
    const vmm::GuestMemory& memory, const Gpadl& gpadl, uint32_t downstream_page_offset);

} // namespace vmbus
