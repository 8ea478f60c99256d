// SPDX-License-Identifier: Apache-2.0
// `partvm check`: probe this host, print the report, exit 0 when partvm run works here.
#pragma once
#include "vmm/cli/cli.h"

namespace vmm {

/// Exit status: 0 ready, 1 not (the verdict says why).
int check_host(const CheckRequest& request);

} // namespace vmm
