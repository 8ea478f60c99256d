// SPDX-License-Identifier: Apache-2.0
#include "guestmem/guest_memory.h"

#include <doctest/doctest.h>

using namespace vmm;

TEST_CASE("guest memory round-trips an object at a valid address")
{
    auto memory = GuestMemory::allocate_for_test(64 * 1024);
    REQUIRE(memory.write_obj<uint32_t>(GuestAddress(0x100), 0xdeadbeef));
    CHECK(memory.read_obj<uint32_t>(GuestAddress(0x100)).value() == 0xdeadbeef);
}

TEST_CASE("guest memory rejects a read that runs past the end")
{
    auto memory = GuestMemory::allocate_for_test(64 * 1024);
    CHECK_FALSE(memory.read_obj<uint64_t>(GuestAddress(64 * 1024 - 4)).has_value());
}

TEST_CASE("guest memory rejects an address whose length wraps around")
{
    auto memory = GuestMemory::allocate_for_test(64 * 1024);
    std::byte buffer[16];
    CHECK_FALSE(memory.read(GuestAddress(~0ull - 4), buffer).has_value());
    CHECK_FALSE(memory.slice(GuestAddress(8), ~0ull).has_value());
}

TEST_CASE("guest memory larger than 3 GiB is split around the MMIO hole")
{
    // Size only: allocate_for_test maps lazily, so 4 GiB costs no RAM until touched.
    auto memory = GuestMemory::allocate_for_test(4ull << 30);
    REQUIRE(memory.regions().size() == 2);
    CHECK(memory.regions()[0].size == mmio_hole_start);
    CHECK(memory.regions()[1].guest_base == GuestAddress(mmio_hole_end));
    CHECK(memory.regions()[1].size == (1ull << 30));
    CHECK_FALSE(memory.contains(GuestAddress(mmio_hole_start), 1));
    CHECK(memory.contains(GuestAddress(mmio_hole_end), 1));
    // A range may not straddle the hole even though both ends are RAM.
    CHECK_FALSE(
        memory.contains(GuestAddress(mmio_hole_start - 8), mmio_hole_end - mmio_hole_start + 16));
}

TEST_CASE("creating guest memory refuses a size that is not page-aligned")
{
    CHECK_FALSE(GuestMemory::create(4097).has_value());
}
