// SPDX-License-Identifier: Apache-2.0
#include "agent/client/exit_result.h"

#include <cerrno>

namespace agent::client {

using protocol::ErrorStage;

int shell_status_for_error(const protocol::ErrorReport& error)
{
    switch (error.stage) {
    case ErrorStage::Exec:
        return error.code == ENOENT ? 127 : 126;
    case ErrorStage::Cwd:
    case ErrorStage::User:
        return 126;
    case ErrorStage::Protocol:
    case ErrorStage::Session:
    case ErrorStage::Spawn:
        break;
    }
    return 125;
}

int ExitResult::shell_status() const
{
    if (exited) {
        if (exited->timed_out) {
            return 124;
        }
        return exited->signaled ? 128 + static_cast<int>(exited->value)
                                : static_cast<int>(exited->value);
    }
    if (error) {
        return shell_status_for_error(*error);
    }
    return 125;
}

} // namespace agent::client
