// SPDX-License-Identifier: Apache-2.0
// `partvm run`: boot a fresh VM, run one command in it through the guest agent, stream its
// stdio, and return its exit status. Everything it made goes with it.
#pragma once
#include "vmm/cli/cli.h"

namespace vmm {

// Exit statuses partvm run adds to the command's own (0-255, 128+N for signal N), as docker and
// timeout(1) use them.
constexpr int exit_run_timeout = 124; ///< --timeout expired; the command was killed.
constexpr int exit_run_failure = 125; ///< partvm itself failed: bad input, VM, or agent.
constexpr int exit_run_cannot_execute = 126; ///< Found but not executable (or bad cwd/user).
constexpr int exit_run_not_found = 127; ///< No such command in the guest.

int run_command(const RunRequest& request);

} // namespace vmm
