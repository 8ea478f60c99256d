// SPDX-License-Identifier: Apache-2.0
// A five-instruction "firmware" at the x86 reset vector. partvm has no BIOS, yet Linux can end up
// there: on a hardware-reduced ACPI platform its default reboot order is EFI, then BIOS, and the
// BIOS method drops to real mode and jumps to f000:fff0. The stub writes the ACPI reset register,
// so that path ends in a clean reset instead of executing zeroed memory forever.
#pragma once
#include "base/result.h"
#include "guestmem/guest_memory.h"

namespace vmm {

Result<void> write_reset_stub(GuestMemory& memory);

} // namespace vmm
