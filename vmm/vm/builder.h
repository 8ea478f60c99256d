// SPDX-License-Identifier: Apache-2.0
// build_vm(): the straight-line recipe from a validated VmConfig to a Vm ready to run — the only
// code below main that sees the whole config.
#pragma once
#include "vmm/config/vm_config.h"
#include "vmm/vm/boot_timeline.h"
#include "vmm/vm/build_error.h"
#include "vmm/vm/vm.h"

#include <memory>
#include <string>

namespace vmm {

/// The command line used when the user gives none: quiet and fast, with the log on the UART only
/// when the UART exists. panic=-1 turns a guest panic into an immediate stop.
std::string default_cmdline(const VmConfig& config);

/// `timeline`, when given, gets a mark as each step ends.
Result<std::unique_ptr<Vm>, BuildError> build_vm(
    const VmConfig& config, BootTimeline* timeline = nullptr);

} // namespace vmm
