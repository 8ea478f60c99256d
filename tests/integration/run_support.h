// SPDX-License-Identifier: Apache-2.0
// `partvm run` command lines for the integration tests, and where its default guest lives.
#pragma once
#include "tests/integration/process.h"

#include <filesystem>
#include <string>
#include <vector>

namespace partvm_test {

/// partvm run with 256 MiB, `flags`, then `--` and `command`.
inline std::vector<std::string> run_command(
    std::vector<std::string> flags, std::vector<std::string> command)
{
    std::vector<std::string> argv = { partvm_binary(), "run", "--memory", "256M" };
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
}

/// Where tests/integration/run linked partvm run's default guest (and stock/, Debian's kernel).
inline std::string images_dir()
{
    return std::filesystem::path(partvm_binary()).parent_path() / "images";
}

} // namespace partvm_test
