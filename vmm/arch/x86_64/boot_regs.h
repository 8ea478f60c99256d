// SPDX-License-Identifier: Apache-2.0
// The CPU state of Linux's 64-bit boot protocol (Documentation/x86/boot.rst, "64-bit Boot
// Protocol"): long mode, identity-mapped paging, flat __BOOT_CS/__BOOT_DS, RSI = boot_params.
#pragma once
#include "base/result.h"
#include "guestmem/guest_memory.h"

namespace vmm {

class VcpuFd;

/// GDT selectors the boot protocol requires.
constexpr uint16_t boot_cs_selector = 0x10;
constexpr uint16_t boot_ds_selector = 0x18;
constexpr uint16_t boot_tss_selector = 0x20;

/// Writes the boot GDT and page tables identity-mapping the first 4 GiB with 2 MiB pages.
Result<void> write_boot_structures(GuestMemory& memory);

/// Puts the bootstrap vCPU at `entry` in 64-bit mode with RSI pointing at `boot_params`.
Result<void> set_boot_registers(VcpuFd& vcpu, GuestAddress entry, GuestAddress boot_params);

} // namespace vmm
