// SPDX-License-Identifier: Apache-2.0
// Which cgroup layout a host mounts at /sys/fs/cgroup and what its v2 root offers: the jailer's own
// requirements, which `partvm check` and `partvm run` ask of it so all three name a problem alike.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace jail {

/// Where the jailer makes its cgroups.
inline constexpr const char* cgroup_root = "/sys/fs/cgroup";

/// The controllers every VM's cgroup leaf gets from the jailer.
inline constexpr std::string_view jail_controllers[] = { "cpu", "memory", "pids" };

enum class CgroupLayout {
    Unified, ///< cgroup v2 at the root: what the jailer needs.
    Hybrid, ///< v1 hierarchies at the root, v2 only at <root>/unified (systemd's hybrid mode).
    Legacy, ///< v1 only.
    Absent, ///< Nothing mounted (or the directory does not exist).
};

struct CgroupFacts {
    CgroupLayout layout { CgroupLayout::Absent };
    std::string controllers; ///< The v2 root's cgroup.controllers, when Unified.
};

/// Reads the layout from statfs() of `root` and `root`/unified, and `root`/cgroup.controllers.
CgroupFacts probe_cgroup(const std::string& root = cgroup_root);

/// The words of a cgroup file ("cpu memory pids\n", "oom_kill 3"), split at blanks and newlines.
std::vector<std::string_view> split_words(std::string_view text);

/// The names of `wanted` missing from a space-separated controller list.
std::vector<std::string> missing_names(
    std::string_view list, std::span<const std::string_view> wanted);

/// Why the jailer cannot make its cgroup leaf on this layout, in one sentence naming the layout
/// and the missing controllers; empty when it can.
std::string jail_cgroup_problem(const CgroupFacts& facts, const std::string& root = cgroup_root);

/// What `partvm run --no-jail` gives up, for messages that suggest it.
inline constexpr std::string_view no_jail_gives_up
    = "'partvm run --no-jail' runs without the jail, giving up its namespaces, chroot, cgroup "
      "limits and privilege drop (the VMM's seccomp filters stay)";

} // namespace jail
