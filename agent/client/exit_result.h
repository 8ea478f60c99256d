// SPDX-License-Identifier: Apache-2.0
// How one session ended, and the exit status `partvm run` reports for it, like a shell would.
#pragma once
#include "agent/protocol/messages.h"

#include <optional>

namespace agent::client {

struct ExitResult {
    uint32_t pid { 0 }; ///< From STARTED; 0 if it never started.
    std::optional<protocol::Exited> exited; ///< It ran, and ended so.
    std::optional<protocol::ErrorReport> error; ///< It never ran: why.

    /// 0..255: the exit code; 128+N when killed by signal N; 124 when timeout_ms killed it (as
    /// timeout(1)); 127 command not found; 126 found but not executable, or bad cwd or user;
    /// 125 the agent could not start it for reasons of its own (fork, pipes, session limit).
    int shell_status() const;
};

/// shell_status() for a session that never ran.
int shell_status_for_error(const protocol::ErrorReport& error);

} // namespace agent::client
