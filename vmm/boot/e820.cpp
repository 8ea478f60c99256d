// SPDX-License-Identifier: Apache-2.0
// Builds the e820 map from the guest RAM layout.
#include "vmm/boot/e820.h"

#include "vmm/layout/layout.h"

#include <algorithm>

namespace vmm {

namespace {

void add_ram(std::vector<E820Entry>& map, uint64_t start, uint64_t end)
{
    if (end > start) {
        map.push_back(E820Entry { start, end - start, E820_TYPE_RAM });
    }
}

} // namespace

BootResult<std::vector<E820Entry>> build_e820_map(std::span<const MemoryRegion> regions)
{
    if (regions.empty() || regions.front().guest_base != GuestAddress(0)) {
        return BootError(BootErrc::BadMemoryLayout);
    }
    const uint64_t low_end = regions.front().size;
    std::vector<E820Entry> map;
    add_ram(map, 0, std::min(low_end, layout::ebda_start));
    // The acpi_start..acpi_start + acpi_size tables lie inside this range, so one entry covers
    // them; Linux scans 0xe0000-0xfffff for the RSDP whatever the type says.
    static_assert(layout::acpi_start >= layout::ebda_start
        && layout::acpi_start + layout::acpi_size <= layout::high_memory_start);
    map.push_back(E820Entry {
        layout::ebda_start, layout::high_memory_start - layout::ebda_start, E820_TYPE_RESERVED });
    add_ram(map, layout::high_memory_start, low_end);
    for (const auto& region : regions.subspan(1)) {
        add_ram(map, region.guest_base.value, region.guest_base.value + region.size);
    }
    if (map.size() > E820_MAX_ENTRIES_ZEROPAGE) {
        return BootError(BootErrc::TooManyE820Entries, map.size(), E820_MAX_ENTRIES_ZEROPAGE);
    }
    return map;
}

} // namespace vmm
