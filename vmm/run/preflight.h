// SPDX-License-Identifier: Apache-2.0
// What `partvm run` refuses before any VM or jail work: what would only fail later, and less
// clearly, inside the VMM or the jailer.
#pragma once
#include "vmm/cli/cli.h"
#include "vmm/run/vmm_process.h"

#include <optional>
#include <string>
#include <sys/types.h>

namespace vmm {

struct Refusal {
    int exit_status; ///< 2 for the user's files, 125 for the host.
    std::string message; ///< One sentence naming the problem, without "partvm: ".
};

/// Checks, in order: the kernel and rootfs files can be read, and each disk opens as the VMM will
/// open it (kind, size, lock; closed again at once), and, jailed, its mode lets the jail's user
/// in (exit 2); this host's KVM can run partvm's VMs, as `partvm check` judges it (asked of
/// `self`, the VMM side of this executable, so this front links no KVM); and, when the VMM is to
/// be jailed, that the jailer can make its cgroup (exit 125). nullopt: go ahead.
std::optional<Refusal> preflight(
    const RunRequest& request, const VmmLaunch& launch, const std::string& self);

/// Whether a file of `mode`, owned by owner:group, lets uid:gid (no supplementary groups, as in
/// the jail) read it, and write it too when `write`: empty if so, else why not. Mode bits only;
/// ACLs are not read.
std::string jail_access_problem(
    mode_t mode, uid_t owner, gid_t group, uid_t uid, gid_t gid, bool write);

} // namespace vmm
