// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/gpadl/guest_ring_memory.h"

#include "base/check.h"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace vmbus {

namespace {

constexpr uint32_t page_bytes = 4096;
constexpr unsigned page_shift = 12;

std::byte* host_page(const vmm::GuestMemory& memory, uint64_t pfn)
{
    if (pfn > (UINT64_MAX >> page_shift)) {
        return nullptr;
    }
    auto page = memory.slice(vmm::GuestAddress(pfn << page_shift), page_bytes);
    return page ? page->data() : nullptr;
}

std::atomic_ref<uint32_t> control_word(std::byte* control, RingControl field)
{
    // SAFETY: the control page is a whole 4 KiB page of guest RAM, page-aligned in the mapping,
    // and every RingControl offset is a multiple of 4 below 4096.
    return std::atomic_ref<uint32_t>(
        *reinterpret_cast<uint32_t*>(control + static_cast<uint32_t>(field)));
}

} // namespace

vmm::Result<std::unique_ptr<GuestRingMemory>, GpadlError> GuestRingMemory::map(
    const vmm::GuestMemory& memory, std::span<const uint64_t> pfns)
{
    // The data area's size must fit the 32-bit ring indices.
    if (pfns.size() < 2 || pfns.size() - 1 > UINT32_MAX / page_bytes) {
        return vmm::unexpected(GpadlError::NotARing);
    }
    std::byte* control = host_page(memory, pfns[0]);
    if (!control) {
        return vmm::unexpected(GpadlError::PageOutsideRam);
    }
    std::vector<std::byte*> data_pages;
    data_pages.reserve(pfns.size() - 1);
    for (const uint64_t pfn : pfns.subspan(1)) {
        std::byte* page = host_page(memory, pfn);
        if (!page) {
            return vmm::unexpected(GpadlError::PageOutsideRam);
        }
        data_pages.push_back(page);
    }
    return std::unique_ptr<GuestRingMemory>(new GuestRingMemory(control, std::move(data_pages)));
}

GuestRingMemory::GuestRingMemory(std::byte* control, std::vector<std::byte*> data_pages)
    : m_control(control)
    , m_data_pages(std::move(data_pages))
    , m_contiguous(m_data_pages.front())
    , m_data_size(static_cast<uint32_t>(m_data_pages.size()) * page_bytes)
{
    // Linux allocates each channel's rings with one alloc_pages(), so its pages are consecutive
    // guest-physically and therefore in our mapping; anything else takes the per-page path.
    const auto first = reinterpret_cast<uintptr_t>(m_contiguous);
    for (size_t i = 1; i < m_data_pages.size(); ++i) {
        if (reinterpret_cast<uintptr_t>(m_data_pages[i]) != first + i * page_bytes) {
            m_contiguous = nullptr;
            break;
        }
    }
}

uint32_t GuestRingMemory::load(RingControl field) const
{
    return control_word(m_control, field).load(std::memory_order_acquire);
}

void GuestRingMemory::store(RingControl field, uint32_t value)
{
    control_word(m_control, field).store(value, std::memory_order_release);
}

template<class Copy>
void GuestRingMemory::for_each_chunk(uint32_t offset, size_t size, Copy copy) const
{
    DCHECK(uint64_t(offset) + size <= m_data_size);
    if (size == 0) {
        return;
    }
    // SAFETY (both paths): callers keep [offset, offset + size) inside the data area, whose pages
    // map() proved to be guest RAM.
    if (m_contiguous) {
        copy(m_contiguous + offset, 0, size);
        return;
    }
    size_t done = 0;
    while (done < size) {
        const uint32_t at = offset + static_cast<uint32_t>(done);
        const uint32_t within = at % page_bytes;
        const size_t chunk = std::min<size_t>(page_bytes - within, size - done);
        copy(m_data_pages[at / page_bytes] + within, done, chunk);
        done += chunk;
    }
}

void GuestRingMemory::copy_out(uint32_t offset, std::span<std::byte> out) const
{
    for_each_chunk(offset, out.size(), [&](std::byte* guest, size_t done, size_t chunk) {
        std::memcpy(out.data() + done, guest, chunk);
    });
}

void GuestRingMemory::copy_in(uint32_t offset, std::span<const std::byte> in)
{
    for_each_chunk(offset, in.size(), [&](std::byte* guest, size_t done, size_t chunk) {
        std::memcpy(guest, in.data() + done, chunk);
    });
}

vmm::Result<RingPair, GpadlError> map_ring_pair(
    const vmm::GuestMemory& memory, const Gpadl& gpadl, uint32_t downstream_page_offset)
{
    const uint64_t pages = gpadl.pfns.size();
    if (gpadl.byte_offset != 0 || gpadl.byte_count != pages * page_bytes) {
        return vmm::unexpected(GpadlError::NotARing);
    }
    // Each ring needs its control page and at least one data page.
    if (pages < 4 || downstream_page_offset <= 1 || downstream_page_offset >= pages - 1) {
        return vmm::unexpected(GpadlError::BadRingOffset);
    }
    const std::span<const uint64_t> pfns(gpadl.pfns);
    auto outbound = TRY(GuestRingMemory::map(memory, pfns.first(downstream_page_offset)));
    auto inbound = TRY(GuestRingMemory::map(memory, pfns.subspan(downstream_page_offset)));
    return RingPair { std::move(outbound), std::move(inbound) };
}

} // namespace vmbus
