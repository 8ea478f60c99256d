// SPDX-License-Identifier: Apache-2.0
// write_acpi_tables(): placement in the BIOS area, and the pointer chain the guest follows from
// the RSDP to every table.
#include "guestmem/guest_memory.h"
#include "vmm/acpi/tables.h"
#include "vmm/acpi/test_util.h"
#include "vmm/layout/layout.h"

#include <doctest/doctest.h>

using namespace vmm;
using namespace vmm::acpi;
using namespace vmm::acpi::test;

namespace {

constexpr uint64_t memory_size = 2 << 20;

/// Reads the whole table at `address` (its length comes from the header), as the guest would.
Bytes read_table(const GuestMemory& memory, uint64_t address)
{
    uint32_t length = memory.read_obj<uint32_t>(GuestAddress(address + 4)).value();
    Bytes table(length);
    REQUIRE(memory.read(GuestAddress(address), table));
    return table;
}

bool in_acpi_area(uint64_t address)
{
    return address >= layout::acpi_start && address < layout::acpi_start + layout::acpi_size
        && address % 16 == 0;
}

struct WrittenTables {
    Bytes rsdp;
    Bytes xsdt;
    Bytes fadt;
    Bytes madt;
    Bytes dsdt;
};

/// Follows RSDP -> XSDT -> {FADT, MADT}, FADT -> DSDT.
WrittenTables follow_pointers(const GuestMemory& memory, GuestAddress rsdp_address)
{
    WrittenTables tables;
    tables.rsdp.resize(36);
    REQUIRE(memory.read(rsdp_address, tables.rsdp));
    tables.xsdt = read_table(memory, u64_at(tables.rsdp, 24));
    tables.fadt = read_table(memory, u64_at(tables.xsdt, 36));
    tables.madt = read_table(memory, u64_at(tables.xsdt, 44));
    tables.dsdt = read_table(memory, u64_at(tables.fadt, 140));
    return tables;
}

} // namespace

TEST_CASE("ACPI tables are written with the RSDP at the start of the BIOS area")
{
    auto memory = GuestMemory::allocate_for_test(memory_size);
    auto rsdp = write_acpi_tables(memory, AcpiConfig { .vcpu_count = 2 });
    REQUIRE(rsdp.has_value());
    CHECK(rsdp.value() == GuestAddress(layout::acpi_start));
    CHECK(memory.read_obj<uint64_t>(GuestAddress(layout::acpi_start)).value()
        == 0x2052545020445352); // "RSD PTR ".
}

TEST_CASE("the RSDP leads through the XSDT to the FADT, MADT and DSDT")
{
    auto memory = GuestMemory::allocate_for_test(memory_size);
    auto rsdp = write_acpi_tables(memory, AcpiConfig { .vcpu_count = 3, .serial_console = true });
    REQUIRE(rsdp.has_value());
    auto tables = follow_pointers(memory, rsdp.value());
    CHECK(text_at(tables.xsdt, 0, 4) == "XSDT");
    CHECK(u32_at(tables.xsdt, 4) == 36 + 2 * 8);
    CHECK(text_at(tables.fadt, 0, 4) == "FACP");
    CHECK(text_at(tables.madt, 0, 4) == "APIC");
    CHECK(text_at(tables.dsdt, 0, 4) == "DSDT");
    CHECK(tables.madt.size() == 44 + 3 * 8 + 12);
}

TEST_CASE("written tables keep valid checksums")
{
    auto memory = GuestMemory::allocate_for_test(memory_size);
    auto tables = follow_pointers(memory, write_acpi_tables(memory, AcpiConfig {}).value());
    CHECK(byte_sum(std::span(tables.rsdp).first(20)) == 0);
    CHECK(byte_sum(tables.rsdp) == 0);
    CHECK(byte_sum(tables.xsdt) == 0);
    CHECK(byte_sum(tables.fadt) == 0);
    CHECK(byte_sum(tables.madt) == 0);
    CHECK(byte_sum(tables.dsdt) == 0);
}

TEST_CASE("every table is 16-byte aligned inside the BIOS area")
{
    auto memory = GuestMemory::allocate_for_test(memory_size);
    auto rsdp = write_acpi_tables(memory, AcpiConfig {}).value();
    auto tables = follow_pointers(memory, rsdp);
    CHECK(in_acpi_area(u64_at(tables.rsdp, 24)));
    CHECK(in_acpi_area(u64_at(tables.xsdt, 36)));
    CHECK(in_acpi_area(u64_at(tables.xsdt, 44)));
    CHECK(in_acpi_area(u64_at(tables.fadt, 140)));
}

TEST_CASE("writing clears stale bytes elsewhere in the BIOS area")
{
    auto memory = GuestMemory::allocate_for_test(memory_size);
    REQUIRE(memory.fill(GuestAddress(layout::acpi_start), layout::acpi_size, std::byte { 0xaa }));
    REQUIRE(write_acpi_tables(memory, AcpiConfig {}).has_value());
    uint64_t last = layout::acpi_start + layout::acpi_size - 1;
    CHECK(memory.read_obj<uint8_t>(GuestAddress(last)).value() == 0);
}

TEST_CASE("writing fails when the extra devices do not fit in the BIOS area")
{
    auto memory = GuestMemory::allocate_for_test(memory_size);
    auto huge = aml::device("HUGE", { aml::name("BUF0", aml::buffer(Bytes(layout::acpi_size))) });
    auto result = write_acpi_tables(memory, AcpiConfig { .extra_devices = { huge } });
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == Errc::OutOfRange);
}

TEST_CASE("writing fails for zero vCPUs")
{
    auto memory = GuestMemory::allocate_for_test(memory_size);
    auto result = write_acpi_tables(memory, AcpiConfig { .vcpu_count = 0 });
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == Errc::InvalidInput);
}

TEST_CASE("writing fails when guest memory does not reach the BIOS area")
{
    auto memory = GuestMemory::allocate_for_test(512 << 10);
    CHECK_FALSE(write_acpi_tables(memory, AcpiConfig {}).has_value());
}
