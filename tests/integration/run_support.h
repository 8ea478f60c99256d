// SPDX-License-Identifier: Apache-2.0
// `partvm run` command lines for the integration tests, and where its default guest lives.
#pragma once
#include "tests/integration/process.h"

#include <doctest/doctest.h>
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

/// sha256 of `path` as the guest's sha256sum prints it (hex and a newline): the whole file, or
/// `count` 64 KiB blocks from block `skip`.
inline std::string host_sha256(const std::string& path, int skip = 0, int count = -1)
{
    const std::string range = count < 0
        ? ""
        : " bs=64k skip=" + std::to_string(skip) + " count=" + std::to_string(count);
    auto result = run_process({ "sh", "-c",
        "dd if='" + path + "'" + range + " 2>/dev/null | sha256sum | cut -d' ' -f1" });
    REQUIRE(result.exit_code == 0);
    return result.out;
}

} // namespace partvm_test
