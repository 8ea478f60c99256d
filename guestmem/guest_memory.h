// SPDX-License-Identifier: Apache-2.0
// Guest RAM: anonymous memory mapped once into the VMM, exposed to the guest as one or two regions
// (below and above the 32-bit MMIO hole). The only way partvm code touches guest RAM: every
// accessor checks the whole range and copies, so a guest-supplied address can never reach outside
// the mapping.
#pragma once
#include "base/mapping.h"
#include "base/result.h"
#include "guestmem/guest_address.h"

#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace vmm {

/// One contiguous guest-physical range backed by [host_offset, host_offset + size) of the mapping.
struct MemoryRegion {
    GuestAddress guest_base;
    uint64_t size { 0 };
    uint64_t host_offset { 0 };

    GuestAddress end() const { return guest_base + size; }
};

/// Where guest RAM stops below 4 GiB: the last GiB holds the LAPIC, IOAPIC and other MMIO.
constexpr uint64_t mmio_hole_start = 3ull << 30;
constexpr uint64_t mmio_hole_end = 4ull << 30;

class GuestMemory {
public:
    /// Maps `size` bytes of guest RAM, asking for transparent huge pages. Fails if the host
    /// refuses the memory.
    static Result<GuestMemory> create(uint64_t size);
    /// Plain memory for unit tests and fuzzers: same layout rules; aborts on failure.
    static GuestMemory allocate_for_test(uint64_t size);

    uint64_t size() const { return m_mapping.size(); }
    const std::vector<MemoryRegion>& regions() const { return m_regions; }
    /// Host address of a region's first byte, for KVM_SET_USER_MEMORY_REGION only.
    void* host_address_of(const MemoryRegion& region) const
    {
        return m_mapping.data() + region.host_offset;
    }

    /// True if [address, address + length) lies wholly inside one region.
    bool contains(GuestAddress address, uint64_t length) const;

    Result<void> read(GuestAddress address, std::span<std::byte> out) const;
    Result<void> write(GuestAddress address, std::span<const std::byte> in);
    Result<void> fill(GuestAddress address, uint64_t length, std::byte value);

    template<class T>
    requires std::is_trivially_copyable_v<T> Result<T> read_obj(GuestAddress address)
    const
    {
        T object;
        TRY(read(address, std::as_writable_bytes(std::span(&object, 1))));
        return object;
    }
    template<class T>
    requires std::is_trivially_copyable_v<T> Result<void> write_obj(
        GuestAddress address, const T& object)
    {
        return write(address, std::as_bytes(std::span(&object, 1)));
    }

    /// A host view of [address, address + length), checked to lie in one region. Only for bulk
    /// copies by trusted code (loaders) or for memory the guest cannot rewrite concurrently.
    Result<std::span<std::byte>> slice(GuestAddress address, uint64_t length) const;

private:
    explicit GuestMemory(Mapping mapping);
    const MemoryRegion* find_region(GuestAddress address, uint64_t length) const;

    Mapping m_mapping;
    std::vector<MemoryRegion> m_regions;
};

} // namespace vmm
