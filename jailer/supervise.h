// SPDX-License-Identifier: Apache-2.0
// The jailer's side once the child runs: stop signals forwarded to the VMM, the wait, and the
// report on how it ended (pure, so unit-tested).
#pragma once
#include "base/unique_fd.h"
#include "jailer/cgroup.h"
#include "jailer/error.h"

#include <csignal>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace jail {

/// The signals a caller uses to stop the VM; each is passed on to the VMM.
inline constexpr int forwarded_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };

/// Whether a stop signal the jailer received should be passed on. Not a SIGINT or SIGQUIT the
/// kernel sent (si_code SI_KERNEL: a terminal's Ctrl-C or Ctrl-\): the terminal signals its whole
/// foreground process group, the VMM included, and a second copy would look like a second stop.
bool should_forward(int sig, int si_code);

/// Blocks the forwarded signals and SIGCHLD and reads them from a signalfd instead, so none is
/// lost between setup steps (a signal before the VMM starts stops the setup).
class SignalWatch {
public:
    static Result<SignalWatch> create();
    int fd() const { return m_fd.get(); }

private:
    explicit SignalWatch(vmm::UniqueFd fd)
        : m_fd(std::move(fd))
    {
    }
    vmm::UniqueFd m_fd;
};

/// How the child's setup ended.
struct SetupOutcome {
    std::string failure; ///< The child's message; empty when it reached exec.
    int stop_signal { 0 }; ///< A forwarded signal that arrived first: the child was killed.
};

/// Reads the child's setup report to EOF. A stop signal meanwhile kills the child (it has not
/// become the VMM yet, so there is nothing to shut down cleanly).
Result<SetupOutcome> await_setup(int report_fd, const SignalWatch& signals, pid_t child);

/// Passes stop signals on to the VMM until it ends; returns its wait status.
Result<int> supervise(pid_t child, const SignalWatch& signals);

/// Waits for a child that is known to be ending; returns its wait status.
int reap(pid_t child);

/// The exit status for a wait status: the exit code, or 128 + N for signal N.
int exit_status_of(int wait_status);

/// What to tell the user about the end of the VM: the OOM kill (when memory.events counts one),
/// or the signal that killed the VMM. Nothing for a normal exit, whose status speaks for itself.
std::vector<std::string> describe_end(
    std::string_view id, int wait_status, const MemoryEvents& events, std::string_view memory_max);

/// "15 (SIGTERM)".
std::string signal_text(int sig);

} // namespace jail
