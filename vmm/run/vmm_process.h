// SPDX-License-Identifier: Apache-2.0
// `partvm run` keeps the guest at arm's length: the VM runs in a child process (`partvm boot`),
// started through partvm-jailer when partvm runs as root, while this process only talks to the
// guest agent over a Unix socket. The child is fenced by its seccomp filters; when a filter kills
// it, this process is still here to say so.
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"
#include "vmm/cli/cli.h"

#include <string>
#include <sys/types.h>
#include <vector>

namespace vmm {

/// What the child needs beyond the request: where the guest's vsock connections go.
struct VmmLaunch {
    /// Directory for the VMM's hybrid vsock socket "vsock" (and our "vsock_<port>" listeners).
    std::string socket_dir;
    bool jailed { false };
    std::string jail_id;
    uid_t jail_uid { 65534 }; ///< nobody
    gid_t jail_gid { 65534 }; ///< nogroup
};

/// The argv that runs `request`'s VM: `partvm boot ...`, or partvm-jailer around it.
/// `self` is partvm's own path; partvm-jailer is looked for beside it. Jailed, disk N is bound
/// at /disks/N (read-only disks with --file, writable ones with --file-rw).
std::vector<std::string> vmm_argv(
    const RunRequest& request, const VmmLaunch& launch, const std::string& self);

/// A started VMM process. Destruction stops it (SIGTERM, which the VMM obeys at once because
/// run passes --shutdown-timeout 0) and reaps it.
class VmmProcess {
public:
    /// Starts argv in its own process group (terminal signals reach only partvm run), stdin on
    /// /dev/null, stdout and stderr shared, and a SIGTERM if this process dies.
    static Result<VmmProcess> spawn(const std::vector<std::string>& argv);
    VmmProcess(VmmProcess&& other) noexcept;
    VmmProcess& operator=(VmmProcess&&) = delete;
    ~VmmProcess();

    /// Readable once the process has ended.
    int exit_fd() const { return m_pidfd.get(); }
    /// Stops the VMM and waits for it; returns its wait status. Idempotent.
    int stop();
    /// Waits for the ended process (exit_fd() readable); returns its wait status.
    int reap();

private:
    VmmProcess(pid_t pid, UniqueFd pidfd);

    pid_t m_pid;
    UniqueFd m_pidfd;
    bool m_reaped { false };
    int m_status { 0 };
};

/// One line on how the VMM ended, for a status that is not the expected end: "the VMM was killed
/// by its seccomp filter (SIGSYS) ...", "the VMM exited with status 1".
std::string describe_vmm_end(int wait_status);

} // namespace vmm
