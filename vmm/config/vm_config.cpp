// SPDX-License-Identifier: Apache-2.0
// Formatting of ConfigError for the one line per problem that the CLI prints; default serials.
#include "vmm/config/vm_config.h"

#include <fmt/core.h>

namespace vmm {

std::string disk_serial(const DiskConfig& disk, size_t index)
{
    return disk.serial.empty() ? fmt::format("partvm-disk-{}", index) : disk.serial;
}

std::string ConfigError::to_string() const
{
    // "file:line:column: key: message", the shape compilers use, so editors can jump to it.
    // Each empty part is left out with its separator.
    std::string location = file;
    if (line != 0) {
        location += fmt::format("{}{}", location.empty() ? "" : ":", line);
        if (column != 0) {
            location += fmt::format(":{}", column);
        }
    }
    std::string text;
    if (!location.empty()) {
        text += location;
        text += ": ";
    }
    if (!key_path.empty()) {
        text += key_path;
        text += ": ";
    }
    text += message;
    return text;
}

} // namespace vmm
