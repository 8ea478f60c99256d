// SPDX-License-Identifier: Apache-2.0
// The MADT (ACPI 6.5 §5.2.12): where the local APICs and the IOAPIC of KVM's in-kernel irqchip
// (KVM_CREATE_IRQCHIP) are. Linux x86 enumerates CPUs from this table.
#include "vmm/acpi/sdt.h"
#include "vmm/acpi/tables.h"

#include "vmm/layout/layout.h"

namespace vmm::acpi {
namespace {

struct MadtHeader {
    SdtHeader header; // 0
    uint32_t local_apic_address; // 36
    uint32_t flags; // 40
};
static_assert(sizeof(MadtHeader) == 44);

struct MadtLocalApic {
    uint8_t type; // 0: 0 = Processor Local APIC.
    uint8_t length; // 1: 8.
    uint8_t processor_uid; // 2: ACPI processor UID.
    uint8_t apic_id; // 3
    uint32_t flags; // 4
};
static_assert(sizeof(MadtLocalApic) == 8);

struct MadtIoApic {
    uint8_t type; // 0: 1 = I/O APIC.
    uint8_t length; // 1: 12.
    uint8_t ioapic_id; // 2
    uint8_t reserved; // 3
    uint32_t address; // 4
    uint32_t gsi_base; // 8
};
static_assert(sizeof(MadtIoApic) == 12);

constexpr uint8_t ACPI_MADT_TYPE_LOCAL_APIC = 0;
constexpr uint8_t ACPI_MADT_TYPE_IO_APIC = 1;
constexpr uint32_t ACPI_MADT_ENABLED = 1u << 0;

// PCAT_COMPAT (flags bit 0) says "the system also has a PC-AT-compatible dual-8259 setup" that
// the OS must mask before using the APICs. KVM_CREATE_IRQCHIP does create that pair (ports
// 0x20/0xa0, ELCR 0x4d0), and KVM's default GSI routing wires GSIs 0-15 to it in parallel with the
// IOAPIC, so the truthful answer is 1: it asks any OS that honours the flag to mask a PIC that
// really exists (KVM creates it with IMR = 0, i.e. unmasked). Hardware-reduced ACPI removes fixed
// ACPI hardware, not the 8259, so it does not change this. Linux 6.1 does not read the flag at all
// (6.9+ uses it only to skip probing the real i8259, and a hardware-reduced Linux replaces the
// i8259 with null_legacy_pic before parsing the MADT), so it costs nothing there.
constexpr uint32_t ACPI_MADT_PCAT_COMPAT = 1u << 0;

// KVM's in-kernel IOAPIC resets its ID register to 0. IOAPIC ids are a separate name space from
// local APIC ids on x86-64 (Linux only checks them against other IOAPICs), so 0 does not clash
// with vCPU 0.
constexpr uint8_t kvm_ioapic_id = 0;

// Revision 5 = ACPI 6.2-6.4 layout, which is what these entry types use.
constexpr uint8_t madt_revision = 5;

// No Interrupt Source Override entries. A hardware-reduced Linux has no legacy PIC, so it creates
// no ISA IRQ 0-15 identity mappings (mp_config_acpi_legacy_irqs loops over nr_legacy_irqs() = 0)
// and has no SCI to route; each device's IRQ reaches it through the device's _CRS instead (COM1:
// GSI 4, edge, active-high, which is also what an override would restate).

} // namespace

Result<Bytes> build_madt(uint32_t vcpu_count)
{
    if (vcpu_count == 0 || vcpu_count > max_acpi_vcpus) {
        return Error::invalid("MADT: vCPU count must be 1-254 (8-bit xAPIC ids)");
    }
    Bytes table;
    append_le(table,
        MadtHeader {
            .header = make_sdt_header("APIC", madt_revision, "PVMAPIC "),
            .local_apic_address = static_cast<uint32_t>(layout::lapic_address),
            .flags = ACPI_MADT_PCAT_COMPAT,
        });
    for (uint32_t index = 0; index < vcpu_count; ++index) {
        // UID = APIC id = vCPU index, matching the VP index KVM assigns in creation order.
        append_le(table,
            MadtLocalApic {
                .type = ACPI_MADT_TYPE_LOCAL_APIC,
                .length = sizeof(MadtLocalApic),
                .processor_uid = static_cast<uint8_t>(index),
                .apic_id = static_cast<uint8_t>(index),
                .flags = ACPI_MADT_ENABLED,
            });
    }
    append_le(table,
        MadtIoApic {
            .type = ACPI_MADT_TYPE_IO_APIC,
            .length = sizeof(MadtIoApic),
            .ioapic_id = kvm_ioapic_id,
            .reserved = 0,
            .address = static_cast<uint32_t>(layout::ioapic_address),
            .gsi_base = 0,
        });
    finish_table(table);
    return table;
}

} // namespace vmm::acpi
