// SPDX-License-Identifier: Apache-2.0
// Starting the jailed VMM: clone into new namespaces, the child's setup in order, and the exec.
// The child reports a setup failure as text on a CLOEXEC pipe; EOF without text means the exec
// succeeded.
#pragma once
#include "base/unique_fd.h"
#include "jailer/error.h"
#include "jailer/jail_root.h"
#include "jailer/specs.h"

#include <string>
#include <sys/types.h>
#include <vector>

namespace jail {

/// Everything the child needs, prepared by the parent (fds opened before the clone).
struct ChildPlan {
    std::string hostname; ///< The VM id.
    int cgroup_procs_fd { -1 }; ///< The leaf's cgroup.procs, open for writing.
    int netns_fd { -1 }; ///< -1: the clone makes a new network namespace.
    JailLayout layout;
    std::vector<RlimitSetting> rlimits;
    bool detach_stdio { false }; ///< --daemonize: stdin, stdout and stderr become /dev/null.
    std::string exec_path; ///< Inside the jail: /<exec name>.
    std::vector<std::string> argv; ///< argv[0] is exec_path.
};

struct Launched {
    pid_t pid { -1 };
    vmm::UniqueFd report; ///< Read end of the setup-report pipe.
};

/// Clones the child into new PID, mount, IPC and UTS namespaces (and network, unless
/// plan.netns_fd is set). Call with the signals the parent watches blocked: the child unblocks
/// everything and resets every handler before exec.
Result<Launched> launch(const ChildPlan& plan);

} // namespace jail
