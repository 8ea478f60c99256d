// SPDX-License-Identifier: Apache-2.0
// The FADT (ACPI 6.5 §5.2.9) of a hardware-reduced platform (§4.1): no PM1/PM2/GPE blocks, no PM
// timer, no SCI and no FACS. What remains is the DSDT pointer, the reset register and the two
// sleep registers Linux uses to power off (drivers/acpi/acpica/hwesleep.c).
#include "vmm/acpi/sdt.h"
#include "vmm/acpi/tables.h"

#include "vmm/layout/layout.h"

namespace vmm::acpi {
namespace {

/// Packed because the spec places u64 fields at offsets 132 and 140 and GASes at odd offsets.
/// The legacy PM/GPE fields a hardware-reduced OSPM ignores (offsets 46-108 and the X_ blocks at
/// 148-243) stay zero.
struct [[gnu::packed]] Fadt {
    SdtHeader header; // 0
    uint32_t firmware_ctrl; // 36: FACS; none on a hardware-reduced platform.
    uint32_t dsdt; // 40: must be 0 when X_DSDT is set.
    uint8_t reserved0; // 44
    uint8_t preferred_pm_profile; // 45: 0 = unspecified.
    uint16_t sci_int; // 46
    uint32_t smi_cmd; // 48: 0 = no SMM; the OS never "enables ACPI mode".
    uint8_t acpi_enable; // 52
    uint8_t acpi_disable; // 53
    uint8_t s4bios_req; // 54
    uint8_t pstate_cnt; // 55
    uint32_t pm1a_evt_blk; // 56
    uint32_t pm1b_evt_blk; // 60
    uint32_t pm1a_cnt_blk; // 64
    uint32_t pm1b_cnt_blk; // 68
    uint32_t pm2_cnt_blk; // 72
    uint32_t pm_tmr_blk; // 76
    uint32_t gpe0_blk; // 80
    uint32_t gpe1_blk; // 84
    uint8_t pm1_evt_len; // 88
    uint8_t pm1_cnt_len; // 89
    uint8_t pm2_cnt_len; // 90
    uint8_t pm_tmr_len; // 91
    uint8_t gpe0_blk_len; // 92
    uint8_t gpe1_blk_len; // 93
    uint8_t gpe1_base; // 94
    uint8_t cst_cnt; // 95
    uint16_t p_lvl2_lat; // 96
    uint16_t p_lvl3_lat; // 98
    uint16_t flush_size; // 100
    uint16_t flush_stride; // 102
    uint8_t duty_offset; // 104
    uint8_t duty_width; // 105
    uint8_t day_alrm; // 106
    uint8_t mon_alrm; // 107
    uint8_t century; // 108: 0 = no CMOS century byte; Linux then assumes 20xx.
    uint16_t iapc_boot_arch; // 109
    uint8_t reserved1; // 111
    uint32_t flags; // 112
    GenericAddress reset_reg; // 116
    uint8_t reset_value; // 128
    uint16_t arm_boot_arch; // 129
    uint8_t minor_version; // 131
    uint64_t x_firmware_ctrl; // 132
    uint64_t x_dsdt; // 140
    GenericAddress x_pm1a_evt_blk; // 148
    GenericAddress x_pm1b_evt_blk; // 160
    GenericAddress x_pm1a_cnt_blk; // 172
    GenericAddress x_pm1b_cnt_blk; // 184
    GenericAddress x_pm2_cnt_blk; // 196
    GenericAddress x_pm_tmr_blk; // 208: zero (SystemMemory, address 0) = no PM timer.
    GenericAddress x_gpe0_blk; // 220
    GenericAddress x_gpe1_blk; // 232
    GenericAddress sleep_control_reg; // 244
    GenericAddress sleep_status_reg; // 256
    char hypervisor_vendor_id[8]; // 268
};
static_assert(sizeof(Fadt) == 276);
static_assert(offsetof(Fadt, iapc_boot_arch) == 109);
static_assert(offsetof(Fadt, flags) == 112);
static_assert(offsetof(Fadt, reset_reg) == 116);
static_assert(offsetof(Fadt, x_dsdt) == 140);
static_assert(offsetof(Fadt, sleep_control_reg) == 244);
static_assert(offsetof(Fadt, hypervisor_vendor_id) == 268);

// FADT flags (Table 5.10).
constexpr uint32_t ACPI_FADT_WBINVD = 1u << 0; // Required of every modern x86 system.
constexpr uint32_t ACPI_FADT_POWER_BUTTON = 1u << 4; // Set = no fixed-feature power button.
constexpr uint32_t ACPI_FADT_SLEEP_BUTTON = 1u << 5; // Set = no fixed-feature sleep button.
constexpr uint32_t ACPI_FADT_RESET_REGISTER = 1u << 10; // RESET_REG/RESET_VALUE are valid.
constexpr uint32_t ACPI_FADT_HW_REDUCED = 1u << 20;

// IA-PC boot architecture flags (Table 5.11). LEGACY_DEVICES (bit 0) and 8042 (bit 1) stay clear:
// Linux then skips PnP BIOS and treats the i8042 as absent (arch/x86/kernel/acpi/boot.c
// acpi_parse_fadt), which saves the keyboard-controller probe. CMOS_RTC_NOT_PRESENT (bit 5) stays
// clear because partvm emulates the CMOS clock Linux reads its wall time from.
constexpr uint16_t ACPI_FADT_NO_VGA = 1u << 2;

constexpr uint8_t fadt_revision = 6;
constexpr uint8_t fadt_minor_revision = 5; // ACPI 6.5.

} // namespace

Bytes build_fadt(GuestAddress dsdt)
{
    Fadt fadt {};
    fadt.header = make_sdt_header("FACP", fadt_revision, "PVMFACP ");
    fadt.flags = ACPI_FADT_WBINVD | ACPI_FADT_POWER_BUTTON | ACPI_FADT_SLEEP_BUTTON
        | ACPI_FADT_RESET_REGISTER | ACPI_FADT_HW_REDUCED;
    fadt.iapc_boot_arch = ACPI_FADT_NO_VGA;
    // ACPICA writes exactly RESET_VALUE to the port with an 8-bit OUT (acpi_reset()).
    fadt.reset_reg = io_port_register_8(layout::port_acpi_reset);
    fadt.reset_value = layout::acpi_reset_value;
    fadt.minor_version = fadt_minor_revision;
    fadt.x_dsdt = dsdt.value;
    // Power-off on a hardware-reduced platform (acpi_hw_extended_sleep): the guest writes
    // WAK_STS (0x80) to SLEEP_STATUS_REG, then SLP_TYP << 2 | SLP_EN (bit 5) to SLEEP_CONTROL_REG,
    // then polls SLEEP_STATUS_REG for WAK_STS. Linux offers S5 only if both addresses are non-zero.
    fadt.sleep_control_reg = io_port_register_8(layout::port_acpi_sleep_control);
    fadt.sleep_status_reg = io_port_register_8(layout::port_acpi_sleep_status);
    // Informational only: Linux on x86 does not read it.
    copy_id(fadt.hypervisor_vendor_id, "PARTVM");

    Bytes table;
    append_le(table, fadt);
    finish_table(table);
    return table;
}

} // namespace vmm::acpi
