// SPDX-License-Identifier: Apache-2.0
// The value syntax of --disk, PATH[,ro][,serial=S][,direct], both ways: parsed for `partvm boot`
// and `partvm run`, formatted again when run passes a disk on to its VMM. Pure; here beside
// memory_size.h so the config fuzz target covers it too.
#pragma once
#include "base/result.h"
#include "vmm/config/vm_config.h"

#include <string>
#include <string_view>

namespace vmm {

/// Splits at each ',' not escaped as "\,"; "\\" is one backslash (any other backslash is kept as
/// it is). The first word is the path, the others options, each at most once. The error is the
/// reason alone ("unknown option 'rw' ..."); the caller names the flag and its value.
Result<DiskConfig, std::string> parse_disk_flag(std::string_view text);

/// The --disk value that parse_disk_flag() turns back into `disk`: commas and backslashes in the
/// path and serial escaped, options only when set.
std::string format_disk_flag(const DiskConfig& disk);

} // namespace vmm
