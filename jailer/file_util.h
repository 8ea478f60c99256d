// SPDX-License-Identifier: Apache-2.0
// Whole-file reads and single-write file updates (cgroup and proc files), with errors that name
// the path.
#pragma once
#include "jailer/error.h"

#include <string>
#include <string_view>

namespace jail {

/// Reads `fd` to EOF; `name` is for the error message.
Result<std::string> read_all(int fd, const std::string& name);
Result<std::string> read_file(const std::string& path);
/// One write(2) of `content`: kernel interface files take a value per write.
Result<void> write_file(const std::string& path, std::string_view content);

} // namespace jail
