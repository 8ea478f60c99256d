// SPDX-License-Identifier: Apache-2.0
// What the agent reads from the kernel command line when it is PID 1. Pure.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace agent::init {

/// Modules loaded when the command line names none: the Hyper-V bus, its utilities (shutdown,
/// heartbeat) and the vsock transport the agent connects over.
inline const std::vector<std::string> default_modules { "hv_vmbus", "hv_utils", "hv_sock" };

struct BootConfig {
    /// partvm.modules=a,b,c: modprobe'd in this order before connecting ("" loads none).
    std::vector<std::string> modules { default_modules };
    /// partvm.hostname=NAME
    std::string hostname { "partvm" };
};

/// Parses /proc/cmdline. Unknown words are ignored; the last of a repeated key wins.
BootConfig parse_cmdline(std::string_view cmdline);

} // namespace agent::init
