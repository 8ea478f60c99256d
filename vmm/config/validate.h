// SPDX-License-Identifier: Apache-2.0
// Host-independent checks of a complete VmConfig (docs/conventions.md#config-flow, step 2), run
// after the file and the flags are merged. Whether files exist, and the host's own limits, are
// checked by the VMM when it opens and creates things.
#pragma once
#include "vmm/config/vm_config.h"

#include <vector>

namespace vmm {

/// Returns every problem with its key path ("machine.vcpus"); empty means valid. The errors carry
/// no file or line: callers that parsed a file attach them with ConfigSourceMap::locate().
std::vector<ConfigError> validate(const VmConfig& config);

} // namespace vmm
