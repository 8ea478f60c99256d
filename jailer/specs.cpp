// SPDX-License-Identifier: Apache-2.0
#include "jailer/specs.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace jail {
namespace {

struct RlimitName {
    std::string_view name;
    int resource;
};

// Every RLIMIT_* of getrlimit(2), named as prlimit(1) and systemd do.
constexpr RlimitName rlimit_names[] = {
    { "as", RLIMIT_AS },
    { "core", RLIMIT_CORE },
    { "cpu", RLIMIT_CPU },
    { "data", RLIMIT_DATA },
    { "fsize", RLIMIT_FSIZE },
    { "locks", RLIMIT_LOCKS },
    { "memlock", RLIMIT_MEMLOCK },
    { "msgqueue", RLIMIT_MSGQUEUE },
    { "nice", RLIMIT_NICE },
    { "nofile", RLIMIT_NOFILE },
    { "nproc", RLIMIT_NPROC },
    { "rss", RLIMIT_RSS },
    { "rtprio", RLIMIT_RTPRIO },
    { "rttime", RLIMIT_RTTIME },
    { "sigpending", RLIMIT_SIGPENDING },
    { "stack", RLIMIT_STACK },
};

std::optional<uint64_t> parse_decimal(std::string_view text)
{
    uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

bool is_lower_word(std::string_view text, bool allow_dots)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
            || (allow_dots && c == '.');
    });
}

std::string quoted(std::string_view option, std::string_view text)
{
    return std::string(option) + " " + std::string(text);
}

} // namespace

bool valid_vm_id(std::string_view id)
{
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || c == '_' || c == '-';
    });
}

Result<uint32_t> parse_id_number(std::string_view option, std::string_view text)
{
    const auto value = parse_decimal(text);
    if (!value || *value >= std::numeric_limits<uint32_t>::max()) {
        return JailError::usage(
            quoted(option, text) + ": not a numeric id (a decimal number below 4294967295)");
    }
    if (*value == 0) {
        return JailError::usage(
            quoted(option, text) + ": refusing to run the VMM as root; give an unprivileged id");
    }
    return static_cast<uint32_t>(*value);
}

Result<CgroupSetting> parse_cgroup_setting(std::string_view text)
{
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) {
        return JailError::usage(
            quoted("--cgroup", text) + ": expected KEY=VALUE, such as memory.max=300M");
    }
    const std::string_view key = text.substr(0, eq);
    const std::string_view value = text.substr(eq + 1);
    // An interface file is "<controller>.<name>": one lower-case word, a dot, then more.
    const size_t dot = key.find('.');
    if (dot == std::string_view::npos || !is_lower_word(key.substr(0, dot), false)
        || !is_lower_word(key.substr(dot + 1), true)) {
        return JailError::usage(quoted("--cgroup", text) + ": '" + std::string(key)
            + "' is not a cgroup interface file name (controller.name, such as memory.max)");
    }
    // cgroup.procs, cgroup.subtree_control, cgroup.kill...: the jailer's own business.
    if (key.substr(0, dot) == "cgroup") {
        return JailError::usage(
            quoted("--cgroup", text) + ": core cgroup.* files are managed by the jailer");
    }
    if (value.empty()
        || value.find_first_of(std::string_view("\n\0", 2)) != std::string_view::npos) {
        return JailError::usage(
            quoted("--cgroup", text) + ": the value must be one non-empty line");
    }
    return CgroupSetting { std::string(key), std::string(value) };
}

std::optional<int> rlimit_resource(std::string_view name)
{
    for (const RlimitName& entry : rlimit_names) {
        if (entry.name == name) {
            return entry.resource;
        }
    }
    return std::nullopt;
}

Result<RlimitSetting> parse_rlimit(std::string_view text)
{
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) {
        return JailError::usage(
            quoted("--rlimit", text) + ": expected NAME=VALUE, such as nofile=4096");
    }
    const std::string name(text.substr(0, eq));
    const std::string_view value_text = text.substr(eq + 1);
    const auto resource = rlimit_resource(name);
    if (!resource) {
        std::string known;
        for (const RlimitName& entry : rlimit_names) {
            known += (known.empty() ? "" : ", ") + std::string(entry.name);
        }
        return JailError::usage(
            quoted("--rlimit", text) + ": unknown limit '" + name + "' (known: " + known + ")");
    }
    rlim_t value = RLIM_INFINITY;
    if (value_text != "unlimited" && value_text != "infinity") {
        const auto number = parse_decimal(value_text);
        if (!number || *number >= RLIM_INFINITY) {
            return JailError::usage(
                quoted("--rlimit", text) + ": the value must be a number or 'unlimited'");
        }
        value = *number;
    }
    return RlimitSetting { name, *resource, value };
}

std::string base_name(std::string_view path)
{
    while (!path.empty() && path.back() == '/') {
        path.remove_suffix(1);
    }
    const size_t slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

bool normal_absolute_path(std::string_view path)
{
    if (path.size() < 2 || path.front() != '/' || path.back() == '/') {
        return false;
    }
    size_t start = 1;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        const std::string_view component = path.substr(start, end - start);
        if (component.empty() || component == "." || component == "..") {
            return false;
        }
        start = end + 1;
    }
    return true;
}

bool path_contains(std::string_view outer, std::string_view inner)
{
    return inner.substr(0, outer.size()) == outer
        && (inner.size() == outer.size() || inner[outer.size()] == '/');
}

Result<MountSpec> parse_mount_spec(std::string_view option, std::string_view text)
{
    std::string_view host = text;
    std::string jail;
    const size_t colon = text.rfind(":/");
    if (colon != std::string_view::npos) {
        host = text.substr(0, colon);
        jail = std::string(text.substr(colon + 1));
    }
    if (host.empty() || host.find('\0') != std::string_view::npos) {
        return JailError::usage(quoted(option, text) + ": expected HOST_PATH[:JAIL_PATH]");
    }
    if (jail.empty()) {
        const std::string name = base_name(host);
        if (name.empty() || name == "." || name == "..") {
            return JailError::usage(
                quoted(option, text) + ": give a JAIL_PATH (HOST_PATH:/path/in/jail)");
        }
        jail = "/" + name;
    }
    if (!normal_absolute_path(jail)) {
        return JailError::usage(quoted(option, text) + ": JAIL_PATH " + jail
            + " must be absolute, without '.', '..', '//' or a trailing '/'");
    }
    return MountSpec { std::string(host), jail };
}

} // namespace jail
