// SPDX-License-Identifier: Apache-2.0
// `partvm run`: boot a fresh VM, run one command in it through the guest agent, stream its
// stdio, and return its exit status. Everything it made goes with it.
#pragma once
#include "vmm/cli/cli.h"

namespace vmm {

/// Runs `request`; returns partvm run's exit status (exit_status.h).
int run_command(const RunRequest& request);

} // namespace vmm
