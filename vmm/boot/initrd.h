// SPDX-License-Identifier: Apache-2.0
// Initramfs placement: as high in low RAM as the kernel allows, like other boot loaders do, so it
// stays clear of the kernel's decompression area and leaves low memory contiguous.
#pragma once
#include "guestmem/guest_memory.h"
#include "vmm/boot/boot_error.h"
#include "vmm/boot/kernel_loader.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace vmm {

/// Where place_initrd put the initramfs; size 0 means there is none.
struct InitrdPlacement {
    GuestAddress address;
    uint64_t size { 0 };
};

/// Copies `initrd` to the highest page-aligned address at which it ends at or below
/// min(kernel.initrd_addr_max + 1, end of low RAM) and starts at or above kernel.end. Fails with
/// InitrdDoesNotFit when no such address exists. An empty span places nothing.
BootResult<InitrdPlacement> place_initrd(
    GuestMemory& memory, std::span<const std::byte> initrd, const LoadedKernel& kernel);

} // namespace vmm
