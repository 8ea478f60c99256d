// SPDX-License-Identifier: Apache-2.0
#include "agent/init/root_plan.h"

#include <algorithm>

namespace agent::init {

RootPlan plan_root(std::string_view device_name, std::string_view base)
{
    RootPlan plan;
    const std::string at(base);
    plan.device = "/dev/" + std::string(device_name);
    plan.lower = at + "/lower";
    plan.rw = at + "/rw";
    plan.upper = plan.rw + "/upper";
    plan.work = plan.rw + "/work";
    plan.merged = at + "/merged";
    // Half of the guest's RAM (tmpfs's own default, spelled out): a command that fills / gets
    // ENOSPC instead of driving the guest out of memory. Pages are only taken when written.
    plan.tmpfs_options = "size=50%,mode=0755";
    plan.overlay_options
        = "lowerdir=" + plan.lower + ",upperdir=" + plan.upper + ",workdir=" + plan.work;
    plan.moved = { "/dev", "/proc", "/sys", "/run", "/tmp" };
    return plan;
}

std::vector<std::string> disk_fs_types(std::string_view proc_filesystems)
{
    std::vector<std::string> types { "ext4" };
    while (!proc_filesystems.empty()) {
        const size_t newline = proc_filesystems.find('\n');
        std::string_view line = proc_filesystems.substr(0, newline);
        proc_filesystems.remove_prefix(
            newline == std::string_view::npos ? proc_filesystems.size() : newline + 1);
        // "nodev\tproc" needs no device; "\text4" does.
        const size_t tab = line.find('\t');
        if (tab == std::string_view::npos || line.substr(0, tab) == "nodev") {
            continue;
        }
        const std::string type(line.substr(tab + 1));
        if (!type.empty() && std::find(types.begin(), types.end(), type) == types.end()) {
            types.push_back(type);
        }
    }
    return types;
}

} // namespace agent::init
