// SPDX-License-Identifier: Apache-2.0
// `partvm check`: probe this host, print the report, exit 0 when partvm run works here.
#pragma once
#include "vmm/cli/cli.h"

namespace vmm {

/// Exit status: exit_ok when ready, exit_host_not_ready when not (the verdict says why).
int check_host(const CheckRequest& request);

} // namespace vmm
