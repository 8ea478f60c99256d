// SPDX-License-Identifier: Apache-2.0
// ACPI tables for a directly booted guest with no firmware, no PCI and no legacy hardware: RSDP,
// XSDT, a hardware-reduced FADT, MADT and DSDT (ACPI 6.5 §5.2). The build_* functions are pure and
// return finished tables (length and checksum set); write_acpi_tables() lays them out in guest
// memory.
#pragma once
#include "base/result.h"
#include "guestmem/guest_address.h"
#include "vmm/acpi/aml.h"
#include "vmm/acpi/byte_buffer.h"

#include <cstdint>
#include <span>
#include <vector>

namespace vmm {
class GuestMemory;
}

namespace vmm::acpi {

/// What the tables describe. Built by the VM builder from VmConfig; nothing below reads VmConfig.
struct AcpiConfig {
    /// vCPUs 0..vcpu_count-1, APIC id = index. 1-254: the MADT uses 8-bit xAPIC ids, and 0xff
    /// is the broadcast id.
    uint32_t vcpu_count { 1 };
    /// Describe COM1 (PNP0501, ports 0x3f8-0x3ff, IRQ 4) so the guest's 8250 driver binds it.
    bool serial_console { false };
    /// Extra AML terms placed inside Scope(\_SB) after the built-in devices, normally one
    /// aml::device(...) each (e.g. the VMBus node "VMBS"). Each must be a complete encoded term.
    std::vector<Bytes> extra_devices {};
};

/// Largest vCPU count the MADT can describe with xAPIC entries.
constexpr uint32_t max_acpi_vcpus = 254;

/// Root System Description Pointer, revision 2, pointing at the XSDT only (RSDT address 0);
/// 36 bytes with both the 20-byte and the extended checksum set.
Bytes build_rsdp(GuestAddress xsdt);

/// Extended System Description Table listing `tables` (every table except the DSDT, which the
/// FADT points to).
Bytes build_xsdt(std::span<const GuestAddress> tables);

/// Fixed ACPI Description Table, revision 6.5, hardware-reduced: no PM1/GPE blocks, no SCI, no
/// FACS; sleep control/status and the reset register are 8-bit I/O ports from
/// vmm/arch/x86_64/layout.h.
Bytes build_fadt(GuestAddress dsdt);

/// Multiple APIC Description Table: one enabled Local APIC per vCPU and KVM's in-kernel IOAPIC.
/// Fails if vcpu_count is 0 or above max_acpi_vcpus.
Result<Bytes> build_madt(uint32_t vcpu_count);

/// Differentiated System Description Table: \_S5 (soft-off) at the root, then COM1 if enabled
/// and the extra devices inside Scope(\_SB).
Bytes build_dsdt(const AcpiConfig& config);

/// Writes every table into [layout::acpi_start, layout::acpi_start + layout::acpi_size), each
/// 16-byte aligned, with the RSDP first at acpi_start so the guest's legacy scan of
/// 0xe0000-0xfffff finds it. Clears the rest of that area. Returns the RSDP address for
/// boot_params.acpi_rsdp_addr. Fails if the config is invalid, the tables do not fit, or the
/// area is not guest RAM.
Result<GuestAddress> write_acpi_tables(GuestMemory& memory, const AcpiConfig& config);

} // namespace vmm::acpi
