// SPDX-License-Identifier: Apache-2.0
#include "vmm/boot/e820.h"

#include <doctest/doctest.h>

using namespace vmm;

// E820Entry is packed; doctest binds operands by reference, so tests compare a copy (+x).

namespace {

constexpr uint64_t mib = 1ull << 20;
constexpr uint64_t gib = 1ull << 30;

E820Entry ram(uint64_t start, uint64_t end)
{
    return { start, end - start, E820_TYPE_RAM };
}
const E820Entry low_ram = ram(0, 0x9fc00);
const E820Entry bios_area { 0x9fc00, 0x100000 - 0x9fc00, E820_TYPE_RESERVED };

std::vector<E820Entry> map_for(uint64_t memory_size)
{
    // allocate_for_test maps lazily: a 4 GiB layout costs no RAM.
    auto memory = GuestMemory::allocate_for_test(memory_size);
    return build_e820_map(memory.regions()).value();
}

} // namespace

TEST_CASE("e820 map of 256 MiB: low RAM, BIOS area, RAM from 1 MiB")
{
    const std::vector<E820Entry> expected { low_ram, bios_area, ram(mib, 256 * mib) };
    CHECK(map_for(256 * mib) == expected);
}

TEST_CASE("e820 map of exactly 3 GiB ends at the MMIO hole")
{
    const std::vector<E820Entry> expected { low_ram, bios_area, ram(mib, 3 * gib) };
    CHECK(map_for(3 * gib) == expected);
}

TEST_CASE("e820 map of 4 GiB puts the last GiB above 4 GiB")
{
    const std::vector<E820Entry> expected { low_ram, bios_area, ram(mib, 3 * gib),
        ram(4 * gib, 5 * gib) };
    CHECK(map_for(4 * gib) == expected);
}

TEST_CASE("e820 map keeps the ACPI tables inside a reserved entry")
{
    const auto map = map_for(256 * mib);
    CHECK(+map[1].type == E820_TYPE_RESERVED);
    CHECK(+map[1].addr <= 0xe0000);
    CHECK(+map[1].addr + map[1].size >= 0x100000);
}

TEST_CASE("e820 map of less than 640 KiB clips low RAM and adds nothing above 1 MiB")
{
    const std::vector<E820Entry> expected { ram(0, 512 * 1024), bios_area };
    CHECK(map_for(512 * 1024) == expected);
}

TEST_CASE("e820 map rejects regions that do not start at 0")
{
    const std::vector<MemoryRegion> regions { { GuestAddress(mib), 16 * mib, 0 } };
    CHECK(build_e820_map(regions).error().code == BootErrc::BadMemoryLayout);
}
