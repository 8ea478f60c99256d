// SPDX-License-Identifier: Apache-2.0
// Starts one session's process: fork, then in the child a new session and process group, stdio
// on pipes or on a pty that becomes its controlling terminal, user, working directory, execve.
// Whether execve happened arrives later on the status pipe, so a slow exec never blocks the
// agent's loop.
#pragma once
#include "agent/server/users.h"
#include "base/result.h"
#include "base/unique_fd.h"

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace agent::server {

struct SpawnRequest {
    std::vector<std::string> argv;
    std::vector<std::string> env;
    std::vector<std::string> candidates; ///< Paths execve() tries, in order (command.h).
    std::string cwd { "/" };
    std::optional<Credentials> credentials; ///< nullopt: stay who the agent is.
    bool tty { false };
    uint16_t rows { 0 }; ///< 0: 24
    uint16_t cols { 0 }; ///< 0: 80
};

/// What a child that failed before execve() writes to the status pipe: a protocol ErrorStage and
/// an errno.
struct SpawnFailure {
    uint32_t stage { 0 };
    uint32_t code { 0 };
};

struct SpawnedProcess {
    pid_t pid { -1 }; ///< Also its process group and session id.
    vmm::UniqueFd status; ///< EOF once execve succeeded, else one SpawnFailure.
    vmm::UniqueFd input; ///< stdin's pipe, or a dup of the pty master.
    vmm::UniqueFd output; ///< stdout's pipe, or the pty master (stdout and stderr).
    vmm::UniqueFd errors; ///< stderr's pipe; none in tty mode.
};

/// Every returned fd is non-blocking and close-on-exec. Fails (before any child exists) when
/// pipes, the pty or fork() fail.
vmm::Result<SpawnedProcess> spawn(const SpawnRequest& request);

} // namespace agent::server
