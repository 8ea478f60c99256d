// SPDX-License-Identifier: Apache-2.0
// The e820 memory map partvm hands the guest in the zero page: which guest-physical ranges are
// RAM and which are reserved (zero-page.rst, e820_table at 0x2d0).
#pragma once
#include "guestmem/guest_memory.h"
#include "vmm/boot/boot_error.h"
#include "vmm/boot/boot_params.h"

#include <span>
#include <vector>

namespace vmm {

/// Builds the map from guest RAM regions (as GuestMemory::regions() returns them, sorted, the
/// first starting at 0):
///   RAM       [0, layout::ebda_start)           conventional memory
///   reserved  [layout::ebda_start, 1 MiB)       EBDA, VGA hole, BIOS area with the ACPI tables
///   RAM       [1 MiB, end of the first region)
///   RAM       every further region (above 4 GiB)
/// RAM entries are clipped to the regions; the reserved entry is always present, because the
/// ACPI tables sit there whatever the RAM size. Pure: touches no guest memory.
BootResult<std::vector<E820Entry>> build_e820_map(std::span<const MemoryRegion> regions);

} // namespace vmm
