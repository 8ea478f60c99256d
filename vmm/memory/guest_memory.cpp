// SPDX-License-Identifier: Apache-2.0
#include "vmm/memory/guest_memory.h"

#include <algorithm>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

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

} // namespace

GuestMemory::GuestMemory(UniqueFd memfd, Mapping mapping)
    : m_memfd(std::move(memfd))
    , m_mapping(std::move(mapping))
    , m_regions(layout_for(m_mapping.size()))
{
}

Result<GuestMemory> GuestMemory::create(uint64_t size)
{
    if (size == 0 || size % page_size != 0) {
        return Error::invalid("guest memory size must be a non-zero multiple of 4 KiB");
    }
    UniqueFd fd(::memfd_create("partvm-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd.valid()) {
        return Error::from_errno("memfd_create for guest memory");
    }
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) < 0) {
        return Error::from_errno("sizing guest memory");
    }
    // Guest RAM must never grow or shrink under KVM's feet.
    ::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    auto mapping = TRY(Mapping::map(size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                                    fd.get(), 0, "mapping guest memory"));
    return GuestMemory(std::move(fd), std::move(mapping));
}

GuestMemory GuestMemory::allocate_for_test(uint64_t size)
{
    auto mapping = Mapping::map(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0,
                                "test guest memory");
    if (!mapping) {
        std::abort();
    }
    return GuestMemory(UniqueFd(), std::move(mapping).value());
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
    std::byte* base = m_mapping.data() + region->host_offset + (address.value - region->guest_base.value);
    return std::span<std::byte>(base, length);
}

Result<void> GuestMemory::read(GuestAddress address, std::span<std::byte> out) const
{
    auto source = TRY(slice(address, out.size()));
    std::memcpy(out.data(), source.data(), out.size());
    return {};
}

Result<void> GuestMemory::write(GuestAddress address, std::span<const std::byte> in)
{
    auto target = TRY(slice(address, in.size()));
    std::memcpy(target.data(), in.data(), in.size());
    return {};
}

Result<void> GuestMemory::fill(GuestAddress address, uint64_t length, std::byte value)
{
    auto target = TRY(slice(address, length));
    std::memset(target.data(), static_cast<int>(value), length);
    return {};
}

} // namespace vmm
