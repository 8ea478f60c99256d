// SPDX-License-Identifier: Apache-2.0
// The DSDT's AML: \_S5, the optional COM1 node, and the extra-device extension point the VMBus
// node uses.
#include "vmm/acpi/tables.h"
#include "vmm/acpi/test_util.h"
#include "vmm/acpi/vmbus_device.h"

#include <doctest/doctest.h>

using namespace vmm;
using namespace vmm::acpi;
using namespace vmm::acpi::test;

namespace {

constexpr size_t header_size = 36;
constexpr std::string_view s5_aml = "08 5f 53 35 5f 12 07 04 0a 05 00 00 00";
constexpr size_t scope_offset = header_size + 13; // Scope(\_SB) follows \_S5.

/// Decodes a PkgLength (ACPI 6.5 §20.2.4) independently of the encoder under test.
size_t decode_pkg_length(const Bytes& aml, size_t offset)
{
    uint8_t lead = u8_at(aml, offset);
    size_t follow = lead >> 6;
    if (follow == 0) {
        return lead & 0x3f;
    }
    size_t value = lead & 0x0f;
    for (size_t i = 0; i < follow; ++i) {
        value |= size_t(u8_at(aml, offset + 1 + i)) << (4 + 8 * i);
    }
    return value;
}

} // namespace

TEST_CASE("DSDT without devices holds only the \\_S5 package")
{
    auto dsdt = build_dsdt(AcpiConfig {});
    CHECK(text_at(dsdt, 0, 4) == "DSDT");
    CHECK(u8_at(dsdt, 8) == 2); // 64-bit AML integers.
    CHECK(u32_at(dsdt, 4) == dsdt.size());
    CHECK(hex(std::span(dsdt).subspan(header_size)) == s5_aml);
}

TEST_CASE("DSDT describes COM1 as a PNP0501 with ports 0x3f8-0x3ff and IRQ 4")
{
    auto dsdt = build_dsdt(AcpiConfig { .serial_console = true });
    // Device(COM1){ _HID EisaId("PNP0501"), _UID 0, _CRS { IO(Decode16, 0x3f8, 0x3f8, 1, 8),
    // IRQNoFlags(){4} } }: the bytes iasl emits for that ASL, except the End Tag checksum (0x0e).
    auto com1 = from_hex("5b 82 2b 43 4f 4d 31 08 5f 48 49 44 0c 41 d0 05 01 08 5f 55 49 44 00 08 "
                         "5f 43 52 53 11 10 0a 0d 47 01 f8 03 f8 03 01 08 22 10 00 79 0e");
    CHECK(find(dsdt, com1) != std::string_view::npos);
}

TEST_CASE("DSDT puts devices in a Scope(\\_SB) that runs to the end of the table")
{
    auto dsdt = build_dsdt(AcpiConfig { .serial_console = true });
    CHECK(u8_at(dsdt, scope_offset) == 0x10); // ScopeOp.
    CHECK(scope_offset + 1 + decode_pkg_length(dsdt, scope_offset + 1) == dsdt.size());
    CHECK(find(dsdt, aml::name_string("\\_SB")) == scope_offset + 2);
}

TEST_CASE("DSDT has no \\_SB scope and no COM1 when the serial console is disabled")
{
    auto dsdt = build_dsdt(AcpiConfig { .serial_console = false });
    CHECK(find(dsdt, aml::name_string("COM1")) == std::string_view::npos);
    CHECK(dsdt.size() == scope_offset);
}

TEST_CASE("a VMBus device added as an extra device lands inside \\_SB after COM1")
{
    auto vmbs = vmbus_device();
    auto dsdt = build_dsdt(AcpiConfig { .serial_console = true, .extra_devices = { vmbs } });
    size_t com1_at = find(dsdt, aml::name_string("COM1"));
    size_t vmbs_at = find(dsdt, vmbs);
    REQUIRE(vmbs_at != std::string_view::npos);
    CHECK(vmbs_at > com1_at);
    // Last term of the scope, and the scope still covers it.
    CHECK(vmbs_at + vmbs.size() == dsdt.size());
    CHECK(scope_offset + 1 + decode_pkg_length(dsdt, scope_offset + 1) == dsdt.size());
    CHECK(byte_sum(dsdt) == 0);
}

TEST_CASE("the VMBus node has a string _HID, _UID 0 and an empty _CRS")
{
    // _HID must be the string "VMBus" (hv_vmbus matches it against _HID/_CID); _CRS must exist
    // even though it is empty, or vmbus_acpi_add() fails.
    CHECK(hex(vmbus_device())
        == "5b 82 22 56 4d 42 53 08 5f 48 49 44 0d 56 4d 42 75 73 00 08 5f 55 49 44 00 08 5f 43 "
           "52 53 11 05 0a 02 79 87");
}

TEST_CASE("extra devices appear in the order given, without the serial console")
{
    auto first = aml::device("DEVA", {});
    auto second = aml::device("DEVB", {});
    auto dsdt = build_dsdt(AcpiConfig { .extra_devices = { first, second } });
    CHECK(find(dsdt, first) < find(dsdt, second));
    CHECK(find(dsdt, second) + second.size() == dsdt.size());
}
