// SPDX-License-Identifier: Apache-2.0
// TOML config files → VmConfig (docs/conventions.md#config-flow, step 1). Schema:
//
//   [machine]
//   memory = "256M"      # string: size with suffix (memory_size.h); integer: MiB. Default 256M.
//   vcpus = 2            # default 2
//   [boot]
//   kernel = "bzImage"   # relative paths resolve against the TOML file's directory
//   initrd = "initrd.img"
//   cmdline = "console=ttyS0"
//   [console]
//   serial = false
//   [vsock]
//   socket = "vm.sock"
//   [[disk]]             # repeatable: LUN 0, 1, ... in file order (docs/disks.md)
//   path = "root.img"    # required; relative to the TOML file's directory
//   read_only = false
//   serial = "data"      # default "partvm-disk-<index>"
//   direct = false       # O_DIRECT
//
// Every problem in a file is reported at once, each with file, line, column and key path.
#pragma once
#include "base/result.h"
#include "vmm/config/vm_config.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vmm {

/// Where each key of a parsed config file sits, so checks that run after parsing (validate(),
/// the CLI's flag overrides) can still point at the line.
struct ConfigSourceMap {
    struct Location {
        uint32_t line { 0 };
        uint32_t column { 0 };
    };
    std::string file;
    /// Key path ("machine.vcpus") → position of its value, for every known key the file sets.
    std::map<std::string, Location, std::less<>> keys;

    /// Fills in error.file, line and column if error.key_path was set by the file; returns whether
    /// it did.
    bool locate(ConfigError& error) const;
};

/// Parses TOML text. file_name names the text in errors and is the base for relative paths in
/// [boot], [vsock] and [[disk]] (an empty or bare file name leaves them relative to the working
/// directory). Returns every syntax, unknown-key, type and value error, sorted by position. Range
/// checks that need no source text live in validate(). If sources is not null, it receives the key
/// positions.
Result<VmConfig, std::vector<ConfigError>> parse_toml_config(
    std::string_view text, std::string_view file_name, ConfigSourceMap* sources = nullptr);

/// Reads and parses the file at path (at most 1 MiB). A file that cannot be read yields one
/// error naming the file and the reason (strerror).
Result<VmConfig, std::vector<ConfigError>> load_config_file(
    const std::string& path, ConfigSourceMap* sources = nullptr);

} // namespace vmm
