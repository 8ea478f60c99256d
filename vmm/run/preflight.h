// SPDX-License-Identifier: Apache-2.0
// What `partvm run` refuses before any VM or jail work: what would only fail later, and less
// clearly, inside the VMM or the jailer.
#pragma once
#include "vmm/cli/cli.h"

#include <optional>
#include <string>

namespace vmm {

struct Refusal {
    int exit_status; ///< 2 for the user's files, 125 for the host.
    std::string message; ///< One sentence naming the problem, without "partvm: ".
};

/// Checks, in order: the kernel and rootfs files can be read (exit 2); this host's KVM can run
/// partvm's VMs, as `partvm check` judges it (asked of `self`, the VMM side of this executable,
/// so this front links no KVM); and, when the VMM is to be jailed, that the jailer can make its
/// cgroup (exit 125). nullopt: go ahead.
std::optional<Refusal> preflight(const RunRequest& request, bool jailed, const std::string& self);

} // namespace vmm
