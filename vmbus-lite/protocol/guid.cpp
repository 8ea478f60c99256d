// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/protocol/guid.h"

#include <fmt/core.h>

namespace vmbus {

std::string to_string(const Guid& g)
{
    return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
                       "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13],
        g[14], g[15]);
}

} // namespace vmbus
