// SPDX-License-Identifier: Apache-2.0
// partvm's process exit statuses, in one place so the CLI, the docs and the tests agree. How a
// guest's stop maps onto them is the VM's business: vmm/vm/stop_exit.h.
#pragma once
#include "vmm/cli/cli.h"

namespace vmm {

// partvm boot.
constexpr int exit_ok = 0; ///< The guest powered off (or rebooted: VMs are disposable).
constexpr int exit_vm_failure = 1; ///< partvm or KVM could not build or run the VM.
constexpr int exit_usage = exit_usage_error; ///< Bad flags, config or input files; no VM started.
constexpr int exit_guest_crash = 3; ///< The guest kernel panicked.

// partvm check: exit_ok when partvm run can work on this host, else this.
constexpr int exit_host_not_ready = 1;

// partvm run: the command's own status (0-255, 128+N for signal N), plus these, as docker and
// timeout(1) use them. exit_usage still means bad flags or unreadable kernel or rootfs files.
constexpr int exit_run_timeout = 124; ///< --timeout expired; the command was killed.
constexpr int exit_run_failure = 125; ///< partvm itself failed: bad input, VM, or agent.
constexpr int exit_run_cannot_execute = 126; ///< Found but not executable (or bad cwd/user).
constexpr int exit_run_not_found = 127; ///< No such command in the guest.

/// 128 + N for host signal N, as shells report it.
constexpr int exit_for_signal(int signal)
{
    return 128 + signal;
}

} // namespace vmm
