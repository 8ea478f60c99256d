// SPDX-License-Identifier: Apache-2.0
// RSDP, XSDT, FADT and MADT checked field by field at the offsets the ACPI 6.5 spec gives, read
// with plain little-endian loads (not the wire structs) so a wrong struct layout cannot hide.
#include "vmm/acpi/tables.h"
#include "vmm/acpi/test_util.h"

#include <doctest/doctest.h>

#include <array>

using namespace vmm;
using namespace vmm::acpi;
using namespace vmm::acpi::test;

namespace {

/// Number of MADT subtables of `type`, found by walking the entry list after the 44-byte header.
size_t count_madt_entries(const Bytes& madt, uint8_t type)
{
    size_t count = 0;
    for (size_t offset = 44; offset + 2 <= madt.size(); offset += u8_at(madt, offset + 1)) {
        count += u8_at(madt, offset) == type ? 1 : 0;
        if (u8_at(madt, offset + 1) == 0) {
            break; // A zero length would loop forever; the length checks below then fail.
        }
    }
    return count;
}

} // namespace

TEST_CASE("RSDP is revision 2 and points at the XSDT only")
{
    auto rsdp = build_rsdp(GuestAddress(0xe0040));
    REQUIRE(rsdp.size() == 36);
    CHECK(text_at(rsdp, 0, 8) == "RSD PTR ");
    CHECK(text_at(rsdp, 9, 6) == "PARTVM");
    CHECK(u8_at(rsdp, 15) == 2);
    CHECK(u32_at(rsdp, 16) == 0); // RSDT address.
    CHECK(u32_at(rsdp, 20) == 36); // Length.
    CHECK(u64_at(rsdp, 24) == 0xe0040);
}

TEST_CASE("RSDP checksums cover the first 20 bytes and the whole structure")
{
    auto rsdp = build_rsdp(GuestAddress(0xe0040));
    CHECK(byte_sum(std::span(rsdp).first(20)) == 0);
    CHECK(byte_sum(rsdp) == 0);
}

TEST_CASE("XSDT lists the given tables as 64-bit addresses after the header")
{
    std::array tables { GuestAddress(0xe0100), GuestAddress(0x1'0000'0000) };
    auto xsdt = build_xsdt(tables);
    REQUIRE(xsdt.size() == 36 + 16);
    CHECK(text_at(xsdt, 0, 4) == "XSDT");
    CHECK(u32_at(xsdt, 4) == 52);
    CHECK(u64_at(xsdt, 36) == 0xe0100);
    CHECK(u64_at(xsdt, 44) == 0x1'0000'0000);
}

TEST_CASE("every table's checksum makes it sum to zero")
{
    std::array tables { GuestAddress(0xe0100) };
    CHECK(byte_sum(build_xsdt(tables)) == 0);
    CHECK(byte_sum(build_fadt(GuestAddress(0xe0200))) == 0);
    CHECK(byte_sum(build_madt(3).value()) == 0);
    CHECK(byte_sum(build_dsdt(AcpiConfig { .vcpu_count = 1, .serial_console = true })) == 0);
}

TEST_CASE("table headers carry partvm's OEM, table and creator ids")
{
    auto fadt = build_fadt(GuestAddress(0xe0200));
    CHECK(text_at(fadt, 0, 4) == "FACP");
    CHECK(text_at(fadt, 10, 6) == "PARTVM");
    CHECK(text_at(fadt, 16, 8) == "PVMFACP ");
    CHECK(u32_at(fadt, 24) == 1);
    CHECK(text_at(fadt, 28, 4) == "PTVM");
    CHECK(u32_at(fadt, 32) == 1);
}

TEST_CASE("FADT is a 276-byte revision 6.5 table pointing at the DSDT through X_DSDT only")
{
    auto fadt = build_fadt(GuestAddress(0xe0200));
    REQUIRE(fadt.size() == 276);
    CHECK(u32_at(fadt, 4) == 276);
    CHECK(u8_at(fadt, 8) == 6);
    CHECK(u8_at(fadt, 131) == 5); // Minor version.
    CHECK(u32_at(fadt, 40) == 0); // 32-bit DSDT must be 0 when X_DSDT is set.
    CHECK(u64_at(fadt, 140) == 0xe0200);
    CHECK(u32_at(fadt, 36) == 0); // No FACS.
    CHECK(u64_at(fadt, 132) == 0);
}

TEST_CASE("FADT declares a hardware-reduced platform with a reset register")
{
    auto fadt = build_fadt(GuestAddress(0xe0200));
    uint32_t flags = u32_at(fadt, 112);
    CHECK((flags & (1u << 20)) != 0); // HW_REDUCED_ACPI.
    CHECK((flags & (1u << 10)) != 0); // RESET_REG_SUP.
    CHECK((flags & (1u << 4)) != 0); // PWR_BUTTON: no fixed power button.
    CHECK((flags & (1u << 5)) != 0); // SLP_BUTTON: no fixed sleep button.
    CHECK(u16_at(fadt, 46) == 0); // No SCI.
    CHECK(u32_at(fadt, 48) == 0); // No SMI command port.
}

TEST_CASE("FADT boot flags say no legacy devices, no 8042 and no VGA, but a CMOS clock")
{
    auto fadt = build_fadt(GuestAddress(0xe0200));
    CHECK(u16_at(fadt, 109) == 0x0004);
}

TEST_CASE("FADT reset register writes the reset value to an 8-bit I/O port")
{
    auto fadt = build_fadt(GuestAddress(0xe0200));
    // GAS at 116: SystemIO, 8 bits wide, offset 0, byte access, port 0x602; RESET_VALUE at 128.
    CHECK(hex(std::span(fadt).subspan(116, 12)) == "01 08 00 01 02 06 00 00 00 00 00 00");
    CHECK(u8_at(fadt, 128) == 1);
}

TEST_CASE("FADT sleep control and status registers are 8-bit I/O ports")
{
    auto fadt = build_fadt(GuestAddress(0xe0200));
    CHECK(hex(std::span(fadt).subspan(244, 12)) == "01 08 00 01 00 06 00 00 00 00 00 00");
    CHECK(hex(std::span(fadt).subspan(256, 12)) == "01 08 00 01 01 06 00 00 00 00 00 00");
}

TEST_CASE("FADT leaves every legacy register block empty")
{
    auto fadt = build_fadt(GuestAddress(0xe0200));
    // PM1a/b event and control, PM2, PM timer, GPE0/1: 32-bit addresses and the X_ GASes.
    CHECK(all_zero(std::span(fadt).subspan(56, 40)));
    CHECK(all_zero(std::span(fadt).subspan(148, 96)));
}

TEST_CASE("FADT names partvm as the hypervisor vendor")
{
    auto fadt = build_fadt(GuestAddress(0xe0200));
    CHECK(text_at(fadt, 268, 8) == "PARTVM  ");
}

TEST_CASE("MADT has one enabled local APIC per vCPU and one IOAPIC")
{
    auto madt = build_madt(4).value();
    CHECK(text_at(madt, 0, 4) == "APIC");
    CHECK(madt.size() == 44 + 4 * 8 + 12);
    CHECK(u32_at(madt, 4) == madt.size());
    CHECK(count_madt_entries(madt, 0) == 4);
    CHECK(count_madt_entries(madt, 1) == 1);
    CHECK(count_madt_entries(madt, 2) == 0); // No interrupt source overrides.
}

TEST_CASE("MADT points at the local APICs and flags the 8259 pair KVM emulates")
{
    auto madt = build_madt(1).value();
    CHECK(u32_at(madt, 36) == 0xfee00000);
    CHECK(u32_at(madt, 40) == 1); // PCAT_COMPAT.
}

TEST_CASE("MADT local APIC entries use the vCPU index as UID and APIC id")
{
    auto madt = build_madt(4).value();
    CHECK(hex(std::span(madt).subspan(44, 8)) == "00 08 00 00 01 00 00 00");
    CHECK(hex(std::span(madt).subspan(44 + 3 * 8, 8)) == "00 08 03 03 01 00 00 00");
}

TEST_CASE("MADT IOAPIC entry has id 0, KVM's address and GSI base 0")
{
    auto madt = build_madt(2).value();
    // Type 1, length 12, id 0, reserved, address 0xfec00000, GSI base 0.
    CHECK(hex(std::span(madt).subspan(44 + 2 * 8, 12)) == "01 0c 00 00 00 00 c0 fe 00 00 00 00");
}

TEST_CASE("MADT accepts up to 254 vCPUs and rejects 0 or 255")
{
    CHECK(build_madt(254).value().size() == 44 + 254 * 8 + 12);
    CHECK(build_madt(0).error().code == Errc::InvalidInput);
    CHECK(build_madt(255).error().code == Errc::InvalidInput);
}
