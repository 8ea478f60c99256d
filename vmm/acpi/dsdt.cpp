// SPDX-License-Identifier: Apache-2.0
// The DSDT (ACPI 6.5 §5.2.11.1): the AML namespace the guest's ACPI interpreter loads. It holds
// \_S5 (soft-off) and the devices partvm emulates or offers; there are no processor objects, PCI
// root or fixed-hardware devices because the platform is hardware-reduced with no PCI.
#include "vmm/acpi/aml.h"
#include "vmm/acpi/sdt.h"
#include "vmm/acpi/tables.h"

#include "vmm/layout/layout.h"

namespace vmm::acpi {
namespace {

// Revision 2 makes AML integers 64-bit (§19.6.30, DefinitionBlock ComplianceRevision).
constexpr uint8_t dsdt_revision = 2;

/// Name(\_S5, Package(){SLP_TYPa, SLP_TYPb, reserved, reserved}). Linux registers its ACPI
/// power-off handler only if \_S5 evaluates (drivers/acpi/sleep.c), then writes SLP_TYPa to the
/// FADT's SLEEP_CONTROL_REG; SLP_TYPb is unused on a hardware-reduced platform.
Bytes s5_object()
{
    return aml::name("_S5",
        aml::package({
            aml::integer(layout::acpi_s5_sleep_type),
            aml::integer(0),
            aml::integer(0),
            aml::integer(0),
        }));
}

/// COM1 as a PnP 16550 (PNP0501). Linux's 8250_pnp driver binds it and maps IRQ 4 through the
/// IOAPIC from this _CRS; a hardware-reduced Linux has no other way to learn the UART's GSI.
Bytes com1_device()
{
    return aml::device("COM1",
        {
            aml::name("_HID", aml::eisa_id("PNP0501")),
            aml::name("_UID", aml::integer(0)),
            aml::name("_CRS",
                aml::resource_template({
                    aml::io_port(layout::port_com1, layout::port_com1, 1, 8),
                    aml::irq_no_flags(layout::irq_com1),
                })),
        });
}

} // namespace

Bytes build_dsdt(const AcpiConfig& config)
{
    Bytes table;
    append_le(table, make_sdt_header("DSDT", dsdt_revision, "PVMDSDT "));
    append(table, s5_object());

    std::vector<Bytes> devices;
    if (config.serial_console) {
        devices.push_back(com1_device());
    }
    devices.insert(devices.end(), config.extra_devices.begin(), config.extra_devices.end());
    if (!devices.empty()) {
        append(table, aml::scope("\\_SB", devices));
    }
    finish_table(table);
    return table;
}

} // namespace vmm::acpi
