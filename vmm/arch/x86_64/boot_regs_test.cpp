// SPDX-License-Identifier: Apache-2.0
#include "vmm/arch/x86_64/boot_regs.h"
#include "vmm/layout/layout.h"

#include <doctest/doctest.h>

using namespace vmm;

TEST_CASE("boot page tables identity-map the first 4 GiB with 2 MiB pages")
{
    auto memory = GuestMemory::allocate_for_test(1 << 20);
    REQUIRE(write_boot_structures(memory));
    CHECK(memory.read_obj<uint64_t>(GuestAddress(layout::pml4_start)).value()
        == (layout::pdpte_start | 0x3));
    CHECK(memory.read_obj<uint64_t>(GuestAddress(layout::pdpte_start + 3 * 8)).value()
        == ((layout::pde_start + 3 * 4096) | 0x3));
    // The last 2 MiB page of the fourth GiB maps 0xffe00000.
    CHECK(memory.read_obj<uint64_t>(GuestAddress(layout::pde_start + 3 * 4096 + 511 * 8)).value()
        == (0xffe00000ull | 0x83));
}

TEST_CASE("the boot GDT has flat 64-bit code at __BOOT_CS and data at __BOOT_DS")
{
    auto memory = GuestMemory::allocate_for_test(1 << 20);
    REQUIRE(write_boot_structures(memory));
    CHECK(memory.read_obj<uint64_t>(GuestAddress(layout::gdt_start + boot_cs_selector)).value()
        == 0x00af9b000000ffffull);
    CHECK(memory.read_obj<uint64_t>(GuestAddress(layout::gdt_start + boot_ds_selector)).value()
        == 0x00cf93000000ffffull);
}

#include "vmm/arch/x86_64/reset_stub.h"

TEST_CASE("the reset vector holds a stub that writes the ACPI reset register")
{
    auto memory = GuestMemory::allocate_for_test(1 << 20);
    REQUIRE(write_reset_stub(memory));
    CHECK(memory.read_obj<uint8_t>(GuestAddress(layout::reset_vector)).value() == 0xb0);
    CHECK(memory.read_obj<uint16_t>(GuestAddress(layout::reset_vector + 3)).value()
        == layout::port_acpi_reset);
    // The stub ends before the top of the real-mode segment.
    CHECK(layout::reset_vector + 9 <= 0x100000);
}
