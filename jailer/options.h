// SPDX-License-Identifier: Apache-2.0
// partvm-jailer's command line: CLI11 flags → Options, with every syntactic check done here (pure:
// no file system). resolve_host_paths() then checks the host side of the paths.
#pragma once
#include "jailer/cgroup_layout.h"
#include "jailer/specs.h"

#include <cstdint>
#include <iosfwd>
#include <string>
#include <variant>
#include <vector>

namespace jail {

inline constexpr const char* default_chroot_base = "/srv/partvm-jailer";
inline constexpr const char* default_cgroup_parent = "partvm";

struct Options {
    std::string id;
    std::string exec_file; ///< As given until resolve_host_paths() makes it absolute.
    /// The exec file's name in the jail root: "partvm" for --exec-file build/partvm (the name as
    /// given, even when that is a symlink to another name).
    std::string exec_name;
    uint32_t uid { 0 };
    uint32_t gid { 0 };
    std::vector<CgroupSetting> cgroup_settings;
    std::string netns; ///< Empty: a new, empty network namespace.
    bool daemonize { false };
    std::string chroot_base { default_chroot_base };
    std::string cgroup_parent { default_cgroup_parent };
    std::vector<MountSpec> files; ///< Read-only binds.
    /// Read-write binds of files: disk images and block devices the VMM writes.
    std::vector<MountSpec> rw_files;
    std::vector<MountSpec> dirs; ///< Read-write binds.
    std::vector<RlimitSetting> rlimits; ///< Defaults first, then --rlimit; one per resource.
    std::vector<std::string> args; ///< After "--": argv[1...] of the exec file.

    /// DIR/<exec name>/<ID>: everything the jailer creates on disk, removed at the end.
    std::string jail_dir() const { return chroot_base + "/" + exec_name + "/" + id; }
    std::string jail_root() const { return jail_dir() + "/root"; }
    /// /sys/fs/cgroup/<parent>/<ID>
    std::string cgroup_leaf() const
    {
        return std::string(cgroup_root) + "/" + cgroup_parent + "/" + id;
    }
    /// The value given for a --cgroup key, or empty.
    std::string cgroup_value(std::string_view key) const;
};

/// Parses argv (argv[0] is ignored). Returns Options, or an exit status after printing --help to
/// `out` (0) or one "partvm-jailer: ..." line per problem to `err` (2). Never throws.
std::variant<int, Options> parse_options(
    int argc, const char* const* argv, std::ostream& out, std::ostream& err);

/// Checks the host side of the paths and makes them absolute: the exec file is an executable
/// regular file, each --file and --file-rw is not a directory, each --dir is one, --netns exists.
/// Returns one message per problem (exit 2); empty when all is well.
std::vector<std::string> resolve_host_paths(Options& options);

} // namespace jail
