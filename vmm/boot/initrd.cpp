// SPDX-License-Identifier: Apache-2.0
// Places the initramfs at the top of low guest RAM.
#include "vmm/boot/initrd.h"

#include <algorithm>
#include <limits>

namespace vmm {

BootResult<InitrdPlacement> place_initrd(
    GuestMemory& memory, std::span<const std::byte> initrd, const LoadedKernel& kernel)
{
    if (initrd.empty()) {
        return InitrdPlacement {};
    }
    // initrd_addr_max names the highest usable byte; turn it into an exclusive bound without
    // overflowing when it is all ones.
    const uint64_t addr_limit = kernel.initrd_addr_max == std::numeric_limits<uint64_t>::max()
        ? kernel.initrd_addr_max
        : kernel.initrd_addr_max + 1;
    const uint64_t ceiling = std::min(addr_limit, low_memory_end(memory));
    const uint64_t floor = kernel.end.value;
    const uint64_t available = ceiling > floor ? ceiling - floor : 0;
    if (initrd.size() > available) {
        return BootError(BootErrc::InitrdDoesNotFit, initrd.size(), available);
    }
    // Round down to a page; the result may then fall below the kernel's end.
    const uint64_t address = (ceiling - initrd.size()) & ~(page_size - 1);
    if (address < floor) {
        return BootError(BootErrc::InitrdDoesNotFit, initrd.size(), available);
    }
    TRY(memory.write(GuestAddress(address), initrd));
    return InitrdPlacement { GuestAddress(address), initrd.size() };
}

} // namespace vmm
