// SPDX-License-Identifier: Apache-2.0
// Where partvm puts things in guest-physical memory on x86-64. One table so the boot loader, the
// page tables, the ACPI builder and the e820 map agree.
#pragma once
#include <cstdint>

namespace vmm::layout {

// Low memory, below 1 MiB.
constexpr uint64_t gdt_start = 0x500; // 4 entries: null, null, __BOOT_CS, __BOOT_DS.
constexpr uint64_t boot_params_start = 0x7000; // The "zero page" (struct boot_params), 4 KiB.
constexpr uint64_t pml4_start = 0x9000; // Identity map of the first 4 GiB:
constexpr uint64_t pdpte_start = 0xa000; //   one PML4 page, one PDPT page,
constexpr uint64_t pde_start = 0xb000; //   four PD pages of 2 MiB entries (0xb000-0xefff).
constexpr uint64_t boot_stack_pointer = 0x8ff0;
constexpr uint64_t cmdline_start = 0x20000;
constexpr uint64_t cmdline_max_size = 0x10000; // The boot protocol may allow less; see the loader.
constexpr uint64_t ebda_start = 0x9fc00; // Low RAM ends here in the e820 map.

// The BIOS read-only area: the guest scans 0xe0000-0xfffff for the RSDP; all ACPI tables live in
// its first 64 KiB. The reset vector at its top holds a stub (see reset_stub.h).
constexpr uint64_t acpi_start = 0xe0000;
constexpr uint64_t acpi_size = 0x10000;
constexpr uint64_t reset_vector = 0xffff0; // Real-mode f000:fff0, where a "BIOS reboot" jumps.

// The kernel: a bzImage's protected-mode part goes to 1 MiB; an ELF vmlinux goes where its program
// headers say (16 MiB for Debian's kernels).
constexpr uint64_t high_memory_start = 0x100000;

// MMIO the in-kernel irqchip answers (KVM defaults).
constexpr uint64_t ioapic_address = 0xfec00000;
constexpr uint64_t lapic_address = 0xfee00000;

// I/O ports partvm serves (the rest read as all-ones, writes are dropped).
constexpr uint16_t port_com1 = 0x3f8; // 8 ports, optional 16550 UART, IRQ 4.
constexpr uint8_t irq_com1 = 4;
constexpr uint16_t port_cmos_index = 0x70; // CMOS RTC index/data (Linux reads its wall clock).
constexpr uint16_t port_cmos_data = 0x71;
constexpr uint16_t port_i8042_command
    = 0x64; // Reads 0; a 0xfe write means reset (Linux's fallback).
constexpr uint16_t port_acpi_sleep_control = 0x600; // HW-reduced FADT SLEEP_CONTROL_REG (1 byte).
constexpr uint16_t port_acpi_sleep_status = 0x601; // HW-reduced FADT SLEEP_STATUS_REG (1 byte).
constexpr uint16_t port_acpi_reset = 0x602; // FADT RESET_REG (1 byte).
constexpr uint8_t acpi_reset_value = 0x1;
constexpr uint8_t acpi_s5_sleep_type
    = 5; // SLP_TYP that \_S5 names and the guest writes on power-off.

} // namespace vmm::layout
