// SPDX-License-Identifier: Apache-2.0
#include "guestmem/guest_memory.h"

#include <algorithm>
#include <sys/mman.h>

namespace vmm {

namespace {

std::vector<MemoryRegion> layout_for(uint64_t size)
{
    std::vector<MemoryRegion> regions;
    const uint64_t low = std::min(size, mmio_hole_start);
    regions.push_back({ GuestAddress(0), low, 0 });
    if (size > low) {
        regions.push_back({ GuestAddress(mmio_hole_end), size - low, low });
    }
    return regions;
}

constexpr uint64_t huge_page_size = 2ull << 20;

/// Maps `size` bytes of private anonymous memory at a 2 MiB-aligned address, asking for transparent
/// huge pages. KVM maps guest memory with 2 MiB pages only where host and guest addresses agree
/// modulo 2 MiB and the host page is huge; every 4 KiB page it maps instead costs the guest a
/// nested-page-fault exit on first touch (about 30,000 of them in one boot of Debian's cloud
/// kernel). Anonymous memory gets huge pages under the hosts' default THP setting ("madvise" or
/// "always"); shared memory (a memfd) would need shmem_enabled changed from Debian's "never".
Result<Mapping> map_huge_aligned(uint64_t size)
{
    const uint64_t span = size + huge_page_size;
    const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    void* reserved = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (reserved == MAP_FAILED) {
        return Error::from_errno("mapping guest memory");
    }
    const auto base = reinterpret_cast<uintptr_t>(reserved);
    const uintptr_t aligned = (base + huge_page_size - 1) & ~(huge_page_size - 1);
    // Give back the unaligned head and the tail beyond `size`.
    if (aligned > base) {
        ::munmap(reserved, aligned - base);
    }
    if (base + span > aligned + size) {
        ::munmap(reinterpret_cast<void*>(aligned + size), base + span - (aligned + size));
    }
    void* address = reinterpret_cast<void*>(aligned);
    ::madvise(address, size, MADV_HUGEPAGE);
    return Mapping(address, size);
}

} // namespace

GuestMemory::GuestMemory(Mapping mapping)
    : m_mapping(std::move(mapping))
    , m_regions(layout_for(m_mapping.size()))
{
}

Result<GuestMemory> GuestMemory::create(uint64_t size)
{
    if (size == 0 || size % page_size != 0) {
        return Error::invalid("guest memory size must be a non-zero multiple of 4 KiB");
    }
    return GuestMemory(TRY(map_huge_aligned(size)));
}

GuestMemory GuestMemory::allocate_for_test(uint64_t size)
{
    auto mapping = Mapping::map(
        size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "test guest memory");
    if (!mapping) {
        std::abort();
    }
    return GuestMemory(std::move(mapping).value());
}

const MemoryRegion* GuestMemory::find_region(GuestAddress address, uint64_t length) const
{
    for (const auto& region : m_regions) {
        // Overflow-safe: compare offsets inside the region, never address + length.
        if (address >= region.guest_base && address.value - region.guest_base.value <= region.size
            && length <= region.size - (address.value - region.guest_base.value)) {
            return &region;
        }
    }
    return nullptr;
}

bool GuestMemory::contains(GuestAddress address, uint64_t length) const
{
    return find_region(address, length) != nullptr;
}

Result<std::span<std::byte>> GuestMemory::slice(GuestAddress address, uint64_t length) const
{
    const MemoryRegion* region = find_region(address, length);
    if (!region) {
        return Error::out_of_range("guest address range outside guest memory");
    }
    // SAFETY: find_region proved [address, address + length) lies inside this region's mapping.
    std::byte* base
        = m_mapping.data() + region->host_offset + (address.value - region->guest_base.value);
    return std::span<std::byte>(base, length);
}

Result<void> GuestMemory::read(GuestAddress address, std::span<std::byte> out) const
{
    auto source = TRY(slice(address, out.size()));
    if (!out.empty()) { // memcpy's pointers must be valid even for 0 bytes.
        std::memcpy(out.data(), source.data(), out.size());
    }
    return {};
}

Result<void> GuestMemory::write(GuestAddress address, std::span<const std::byte> in)
{
    auto target = TRY(slice(address, in.size()));
    if (!in.empty()) {
        std::memcpy(target.data(), in.data(), in.size());
    }
    return {};
}

Result<void> GuestMemory::fill(GuestAddress address, uint64_t length, std::byte value)
{
    auto target = TRY(slice(address, length));
    std::memset(target.data(), static_cast<int>(value), length);
    return {};
}

} // namespace vmm
