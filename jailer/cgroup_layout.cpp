// SPDX-License-Identifier: Apache-2.0
#include "jailer/cgroup_layout.h"

#include "base/unique_fd.h"

#include <algorithm>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

namespace jail {

namespace {

bool is_filesystem(const std::string& path, long magic)
{
    struct statfs fs { };
    return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == magic;
}

bool is_mounted_at(const std::string& path)
{
    struct statfs fs { };
    return ::statfs(path.c_str(), &fs) == 0
        && (fs.f_type == CGROUP_SUPER_MAGIC || fs.f_type == CGROUP2_SUPER_MAGIC);
}

/// A small sysfs-style file, whole; empty when it cannot be read.
std::string read_small_file(const std::string& path)
{
    vmm::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    std::string text;
    if (!fd.valid()) {
        return text;
    }
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(fd.get(), buffer, sizeof(buffer))) > 0) {
        text.append(buffer, size_t(n));
    }
    return text;
}

} // namespace

CgroupFacts probe_cgroup(const std::string& root)
{
    CgroupFacts facts;
    if (is_filesystem(root, CGROUP2_SUPER_MAGIC)) {
        facts.layout = CgroupLayout::Unified;
        facts.controllers = read_small_file(root + "/cgroup.controllers");
    } else if (is_filesystem(root + "/unified", CGROUP2_SUPER_MAGIC)) {
        facts.layout = CgroupLayout::Hybrid;
    } else if (is_mounted_at(root) || is_mounted_at(root + "/memory")) {
        facts.layout = CgroupLayout::Legacy;
    }
    return facts;
}

std::vector<std::string_view> split_words(std::string_view text)
{
    std::vector<std::string_view> result;
    size_t start = 0;
    while (start < text.size()) {
        const size_t end = std::min(text.find_first_of(" \n\t", start), text.size());
        if (end > start) {
            result.push_back(text.substr(start, end - start));
        }
        start = end + 1;
    }
    return result;
}

std::vector<std::string> missing_names(
    std::string_view list, std::span<const std::string_view> wanted)
{
    const std::vector<std::string_view> present = split_words(list);
    std::vector<std::string> missing;
    for (std::string_view name : wanted) {
        if (std::find(present.begin(), present.end(), name) == present.end()) {
            missing.emplace_back(name);
        }
    }
    return missing;
}

std::string jail_cgroup_problem(const CgroupFacts& facts, const std::string& root)
{
    switch (facts.layout) {
    case CgroupLayout::Absent:
        return "no cgroup filesystem is mounted at " + root
            + "; the jailer needs cgroup v2 there (mount -t cgroup2 none " + root + ")";
    case CgroupLayout::Legacy:
        return root
            + " holds cgroup v1 hierarchies only; the jailer needs cgroup v2 (the unified "
              "hierarchy) mounted there (boot with systemd.unified_cgroup_hierarchy=1)";
    case CgroupLayout::Hybrid:
        return root + " holds cgroup v1 hierarchies, with cgroup v2 only at " + root
            + "/unified (a hybrid layout); the jailer needs cgroup v2 at " + root
            + " itself (boot with systemd.unified_cgroup_hierarchy=1)";
    case CgroupLayout::Unified:
        break;
    }
    const std::vector<std::string> missing = missing_names(facts.controllers, jail_controllers);
    if (missing.empty()) {
        return {};
    }
    std::string names;
    for (const std::string& name : missing) {
        names += (names.empty() ? "" : ", ") + name;
    }
    return "cgroup v2 at " + root + " does not offer the " + names
        + (missing.size() == 1 ? " controller" : " controllers")
        + " the jailer limits each VM with (cgroup.controllers lists what the kernel offers)";
}

} // namespace jail
