// SPDX-License-Identifier: Apache-2.0
// The kernel command line: a NUL-terminated string at layout::cmdline_start that the zero page's
// cmd_line_ptr points to (Documentation/x86/boot.rst, "The Kernel Command Line").
#pragma once
#include "guestmem/guest_memory.h"
#include "vmm/boot/boot_error.h"
#include "vmm/boot/kernel_loader.h"

#include <cstdint>
#include <string_view>

namespace vmm {

/// Where write_cmdline put the command line.
struct CmdlinePlacement {
    GuestAddress address;
    uint32_t size { 0 }; ///< Bytes written, including the NUL.
};

/// Writes `cmdline` plus a NUL at layout::cmdline_start. Fails with CmdlineTooLong when it is
/// longer than kernel.cmdline_limit (the kernel would silently truncate it) and with
/// CmdlineHasNul when it contains a NUL (the kernel would silently cut it there).
BootResult<CmdlinePlacement> write_cmdline(
    GuestMemory& memory, std::string_view cmdline, const LoadedKernel& kernel);

} // namespace vmm
