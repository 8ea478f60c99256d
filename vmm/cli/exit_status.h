// SPDX-License-Identifier: Apache-2.0
// partvm's process exit statuses, in one place so the CLI, the docs and the tests agree. How a
// guest's stop maps onto them is the VM's business: vmm/vm/stop_exit.h.
#pragma once
#include "vmm/cli/cli.h"

namespace vmm {

constexpr int exit_ok = 0; ///< The guest powered off (or rebooted: VMs are disposable).
constexpr int exit_vm_failure = 1; ///< partvm or KVM could not build or run the VM.
constexpr int exit_usage = exit_usage_error; ///< Bad flags, config or input files; no VM started.
constexpr int exit_guest_crash = 3; ///< The guest kernel panicked.

/// 128 + N for host signal N, as shells report it.
constexpr int exit_for_signal(int signal)
{
    return 128 + signal;
}

} // namespace vmm
