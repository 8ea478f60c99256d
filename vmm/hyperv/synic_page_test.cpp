// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/synic_page.h"

#include <doctest/doctest.h>

using namespace vmm;
using namespace vmm::hyperv;

TEST_CASE("slot 2 of an enabled page is 512 bytes into it")
{
    auto memory = GuestMemory::allocate_for_test(1 << 20);
    std::byte* base = memory.slice(GuestAddress(0x5000), 4096).value().data();
    CHECK(synic_slot(memory, 0x5000 | synic_page_enable, 2) == base + 512);
    CHECK(synic_slot(memory, 0x5000 | synic_page_enable, 0) == base);
    CHECK(synic_slot(memory, 0x5000 | synic_page_enable, 15) == base + 15 * 256);
}

TEST_CASE("the reserved low bits of the MSR never move the slot")
{
    auto memory = GuestMemory::allocate_for_test(1 << 20);
    std::byte* base = memory.slice(GuestAddress(0x5000), 4096).value().data();
    CHECK(synic_slot(memory, 0x5000 | 0xffe | synic_page_enable, 2) == base + 512);
}

TEST_CASE("a disabled page, a bad SINT or a page outside RAM give no slot")
{
    auto memory = GuestMemory::allocate_for_test(1 << 20);
    CHECK(synic_slot(memory, 0x5000, 2) == nullptr); // Enable bit clear.
    CHECK(synic_slot(memory, 0x5000 | synic_page_enable, 16) == nullptr);
    CHECK(synic_slot(memory, 0x5000 | synic_page_enable, 0xffffffff) == nullptr);
    CHECK(synic_slot(memory, (1 << 20) | synic_page_enable, 2) == nullptr); // Just past RAM.
    CHECK(synic_slot(memory, 0xfffffffffffff001, 2) == nullptr); // Top of the address space.
    CHECK(synic_slot(memory, 0xfee00001, 2) == nullptr); // The LAPIC, in the MMIO hole.
    // The last page of RAM is fine.
    CHECK(synic_slot(memory, ((1 << 20) - 4096) | synic_page_enable, 15) != nullptr);
}
