// SPDX-License-Identifier: Apache-2.0
// The small value syntaxes of the jailer's flags: VM ids, numeric uids and gids, KEY=VALUE cgroup
// settings, NAME=VALUE rlimits and HOST_PATH[:JAIL_PATH] bind mounts. Pure: no file system.
#pragma once
#include "jailer/error.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <sys/resource.h>

namespace jail {

/// [A-Za-z0-9_-]{1,64}: safe as a path component, a cgroup name and a hostname.
bool valid_vm_id(std::string_view id);

/// A decimal uid or gid for `option` ("--uid"): not 0 (the jail exists to run the VMM unprivileged)
/// and not (uint32_t)-1, which the set*id calls read as "unchanged".
Result<uint32_t> parse_id_number(std::string_view option, std::string_view text);

/// One --cgroup KEY=VALUE, written to the leaf's file KEY.
struct CgroupSetting {
    std::string key; ///< "memory.max": controller.name, never a core "cgroup.*" file.
    std::string value; ///< "300M", "100000 100000".
};
Result<CgroupSetting> parse_cgroup_setting(std::string_view text);

/// One --rlimit NAME=VALUE; VALUE is a number or "unlimited", set as both soft and hard limit.
struct RlimitSetting {
    std::string name; ///< "nofile"
    int resource { 0 }; ///< RLIMIT_NOFILE
    rlim_t value { 0 };
};
Result<RlimitSetting> parse_rlimit(std::string_view text);
/// RLIMIT_* for a name like "nofile" (the RLIMIT_ suffix in lower case), if there is one.
std::optional<int> rlimit_resource(std::string_view name);

/// One --file or --dir: a host path bind-mounted at an absolute path inside the jail.
struct MountSpec {
    std::string host; ///< As given; made absolute by resolve_host_paths().
    std::string jail; ///< Absolute, normalised: "/vmlinux".
};
/// HOST_PATH[:JAIL_PATH]; the split is at the last ':' followed by '/', so host paths with colons
/// still work. Without JAIL_PATH the file appears as /<basename of HOST_PATH>.
Result<MountSpec> parse_mount_spec(std::string_view option, std::string_view text);

/// The last component of a path ("a/b/" → "b"); empty for "/" or "".
std::string base_name(std::string_view path);

/// An absolute path with no empty, "." or ".." components and no trailing '/' ("/" is not one).
bool normal_absolute_path(std::string_view path);

/// Whether `inner` is `outer` or lies below it, component-wise ("/a" contains "/a/b", not "/ab").
bool path_contains(std::string_view outer, std::string_view inner);

} // namespace jail
