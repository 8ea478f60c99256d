// SPDX-License-Identifier: Apache-2.0
// Builds the zero page (struct boot_params) for the 64-bit boot protocol and writes it at
// layout::boot_params_start, where the vCPU's %rsi will point.
#pragma once
#include "guestmem/guest_memory.h"
#include "vmm/boot/boot_error.h"
#include "vmm/boot/boot_params.h"
#include "vmm/boot/cmdline.h"
#include "vmm/boot/initrd.h"
#include "vmm/boot/kernel_loader.h"

#include <span>

namespace vmm {

/// Everything the zero page records, gathered from the earlier boot steps.
struct BootParamsInput {
    const LoadedKernel& kernel;
    CmdlinePlacement cmdline;
    InitrdPlacement initrd {}; ///< Size 0: no initramfs.
    GuestAddress acpi_rsdp {}; ///< 0: the guest finds the RSDP by scanning the BIOS area.
};

/// Fills a zero page: the kernel's setup header (type_of_loader 0xff), the command line and
/// initrd pointers split across the 32-bit header fields and their ext_ halves, acpi_rsdp_addr,
/// and `e820`. Fails with TooManyE820Entries past 128 entries. Pure: touches no guest memory.
BootResult<BootParams> make_boot_params(
    const BootParamsInput& input, std::span<const E820Entry> e820);

/// Builds the e820 map from `memory`'s regions, fills the zero page and writes it to
/// layout::boot_params_start.
BootResult<void> write_boot_params(GuestMemory& memory, const BootParamsInput& input);

} // namespace vmm
