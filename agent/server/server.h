// SPDX-License-Identifier: Apache-2.0
// The agent's protocol server: serves exec sessions to the host over one connected stream socket
// (vsock in the guest, a socketpair in tests) until the connection ends or a stop signal arrives.
// One thread, poll(), non-blocking fds.
//
// It owns the process's children: it takes SIGCHLD through a signalfd and reaps every child
// (waitpid(-1)), so run it in a process of its own (the agent, or a forked test child), never
// beside other code that forks. While it runs SIGCHLD and the stop signals are blocked and
// SIGPIPE is ignored; both are restored on return.
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"

#include <chrono>
#include <string>
#include <vector>

namespace agent::server {

struct ServerOptions {
    /// Signals that end serve() (PID 1: the poweroff/reboot/halt requests).
    std::vector<int> stop_signals;
    /// Sent in HELLO.
    std::string software { "partvm-agent" };
    const char* passwd_path { "/etc/passwd" };
    const char* group_path { "/etc/group" };
    /// After a session's process exits, how long its output may stay open (held by something
    /// that left its process group) with nothing arriving, before EXITED is sent anyway.
    std::chrono::milliseconds linger { 2000 };
};

enum class StopCause {
    ConnectionClosed, ///< EOF or an error on the connection
    ProtocolError, ///< the host broke the protocol; ERROR was sent (best effort)
    Signal, ///< one of stop_signals arrived
};

struct StopReason {
    StopCause cause { StopCause::ConnectionClosed };
    int signo { 0 }; ///< for StopCause::Signal
};

/// Serves until the connection ends. On return every session's process group has been killed
/// and its leader reaped.
vmm::Result<StopReason> serve(vmm::UniqueFd connection, const ServerOptions& options = {});

} // namespace agent::server
