// SPDX-License-Identifier: Apache-2.0
#include "agent/server/users.h"

#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <unistd.h>

namespace agent::server {

namespace {

/// Splits `line` at ':' into at most `N` fields; false if there are fewer.
template<size_t N> bool split_fields(std::string_view line, std::string_view (&fields)[N])
{
    for (size_t i = 0; i < N; ++i) {
        const size_t colon = line.find(':');
        if (i + 1 == N) {
            fields[i] = line.substr(0, colon);
            return true;
        }
        if (colon == std::string_view::npos) {
            return false;
        }
        fields[i] = line.substr(0, colon);
        line.remove_prefix(colon + 1);
    }
    return true;
}

/// Calls `f(line)` for each line until it returns true.
template<class F> void each_line(std::string_view text, F&& f)
{
    while (!text.empty()) {
        const size_t end = text.find('\n');
        const auto line = text.substr(0, end);
        if (f(line)) {
            return;
        }
        if (end == std::string_view::npos) {
            return;
        }
        text.remove_prefix(end + 1);
    }
}

} // namespace

std::optional<uint32_t> parse_id(std::string_view text)
{
    uint32_t value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value == static_cast<uint32_t>(-1)) {
        return std::nullopt;
    }
    return value;
}

std::optional<PasswdEntry> find_passwd(
    std::string_view passwd, std::string_view name, std::optional<uid_t> uid)
{
    std::optional<PasswdEntry> found;
    each_line(passwd, [&](std::string_view line) {
        // name:password:uid:gid:gecos:home:shell
        std::string_view f[7];
        if (!split_fields(line, f)) {
            return false;
        }
        const auto line_uid = parse_id(f[2]);
        const auto line_gid = parse_id(f[3]);
        if (!line_uid || !line_gid) {
            return false;
        }
        const bool match = name.empty() ? (uid && *uid == *line_uid) : f[0] == name;
        if (match) {
            found = PasswdEntry { std::string(f[0]), *line_uid, *line_gid, std::string(f[5]) };
        }
        return match;
    });
    return found;
}

std::optional<gid_t> find_group(std::string_view group, std::string_view name)
{
    std::optional<gid_t> found;
    each_line(group, [&](std::string_view line) {
        // name:password:gid:members
        std::string_view f[4];
        if (!split_fields(line, f) || f[0] != name) {
            return false;
        }
        found = parse_id(f[2]);
        return found.has_value();
    });
    return found;
}

std::vector<gid_t> member_groups(std::string_view group, std::string_view user)
{
    std::vector<gid_t> gids;
    each_line(group, [&](std::string_view line) {
        std::string_view f[4];
        if (!split_fields(line, f)) {
            return false;
        }
        const auto gid = parse_id(f[2]);
        auto members = f[3];
        while (gid && !members.empty()) {
            const size_t comma = members.find(',');
            if (members.substr(0, comma) == user) {
                gids.push_back(*gid);
                break;
            }
            members.remove_prefix(comma == std::string_view::npos ? members.size() : comma + 1);
        }
        return gids.size() >= 64; // NGROUPS is far larger; enough for a sandbox
    });
    return gids;
}

vmm::Result<Credentials, int> resolve_user(
    std::string_view spec, std::string_view passwd, std::string_view group)
{
    const size_t colon = spec.find(':');
    const auto user_part = spec.substr(0, colon);
    const auto group_part
        = colon == std::string_view::npos ? std::string_view {} : spec.substr(colon + 1);
    if (user_part.empty() || (colon != std::string_view::npos && group_part.empty())) {
        return vmm::unexpected(EINVAL);
    }

    Credentials creds;
    std::optional<PasswdEntry> entry;
    if (const auto uid = parse_id(user_part)) {
        entry = find_passwd(passwd, {}, *uid);
        creds.uid = *uid;
        creds.gid = entry ? entry->gid : *uid;
    } else {
        entry = find_passwd(passwd, user_part);
        if (!entry) {
            return vmm::unexpected(ENOENT);
        }
        creds.uid = entry->uid;
        creds.gid = entry->gid;
    }
    creds.home = entry && !entry->home.empty() ? entry->home : "/";
    if (entry) {
        creds.groups = member_groups(group, entry->name);
    }
    if (!group_part.empty()) {
        if (const auto gid = parse_id(group_part)) {
            creds.gid = *gid;
        } else if (const auto named = find_group(group, group_part)) {
            creds.gid = *named;
        } else {
            return vmm::unexpected(ENOENT);
        }
    }
    return creds;
}

std::string read_small_file(const char* path)
{
    std::string text;
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return text;
    }
    char buffer[4096];
    while (text.size() < (1u << 20)) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        text.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    return text;
}

} // namespace agent::server
