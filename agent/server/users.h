// SPDX-License-Identifier: Apache-2.0
// Resolves EXEC's user field against /etc/passwd and /etc/group text. Parsed by hand: static
// glibc's getpwnam() would need NSS modules the initramfs does not have. Pure over strings.
#pragma once
#include "base/result.h"

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace agent::server {

struct Credentials {
    uid_t uid { 0 };
    gid_t gid { 0 };
    std::vector<gid_t> groups; ///< Supplementary groups (from /etc/group), for setgroups().
    std::string home; ///< The passwd entry's home, or "/" for a uid that has none.
};

struct PasswdEntry {
    std::string name;
    uid_t uid { 0 };
    gid_t gid { 0 };
    std::string home;
};

/// The first passwd line naming `name`, or (when `name` is empty) with uid `uid`.
std::optional<PasswdEntry> find_passwd(
    std::string_view passwd, std::string_view name, std::optional<uid_t> uid = std::nullopt);

/// A group's gid by name.
std::optional<gid_t> find_group(std::string_view group, std::string_view name);

/// The gids of the groups that list `user` as a member.
std::vector<gid_t> member_groups(std::string_view group, std::string_view user);

/// A decimal id below (uid_t)-1, or nullopt.
std::optional<uint32_t> parse_id(std::string_view text);

/// "name", "uid", "name:group" or "uid:gid" (a group by name or number). A uid missing from
/// passwd is allowed (numeric users are common in containers): its group is its uid, its home
/// "/". Fails with an errno value: ENOENT for an unknown name or group, EINVAL for bad syntax.
vmm::Result<Credentials, int> resolve_user(
    std::string_view spec, std::string_view passwd, std::string_view group);

/// A whole (small) file, or empty when it cannot be read.
std::string read_small_file(const char* path);

} // namespace agent::server
