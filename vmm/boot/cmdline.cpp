// SPDX-License-Identifier: Apache-2.0
// Writes the kernel command line into guest memory.
#include "vmm/boot/cmdline.h"

#include "vmm/layout/layout.h"

#include <algorithm>

namespace vmm {

BootResult<CmdlinePlacement> write_cmdline(
    GuestMemory& memory, std::string_view cmdline, const LoadedKernel& kernel)
{
    if (const size_t nul = cmdline.find('\0'); nul != std::string_view::npos) {
        return BootError(BootErrc::CmdlineHasNul, nul);
    }
    // The loader already caps cmdline_limit below partvm's buffer; cap again so a hand-built
    // LoadedKernel cannot make us write past it.
    const uint64_t limit = std::min<uint64_t>(kernel.cmdline_limit, layout::cmdline_max_size - 1);
    if (cmdline.size() > limit) {
        return BootError(BootErrc::CmdlineTooLong, cmdline.size(), limit);
    }
    const GuestAddress address(layout::cmdline_start);
    TRY(memory.write(address, std::as_bytes(std::span(cmdline.data(), cmdline.size()))));
    TRY(memory.write_obj(address + cmdline.size(), std::byte { 0 }));
    return CmdlinePlacement { address, static_cast<uint32_t>(cmdline.size() + 1) };
}

} // namespace vmm
