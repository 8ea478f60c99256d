// SPDX-License-Identifier: Apache-2.0
#include "agent/init/switch_root.h"

#include "agent/sys/log.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

namespace agent::init {

namespace {

bool make_dir(const std::string& path, mode_t mode = 0755)
{
    if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) {
        AGENT_LOG_ERRNO(path.c_str());
        return false;
    }
    return true;
}

/// The disk on plan.lower, read-only, as the first filesystem type that takes it.
bool mount_lower(const RootPlan& plan, const std::vector<std::string>& types)
{
    int first_error = 0;
    for (const std::string& type : types) {
        if (::mount(plan.device.c_str(), plan.lower.c_str(), type.c_str(), MS_RDONLY, nullptr)
            == 0) {
            return true;
        }
        // The first type's answer (ext4's) says most; the others mostly say "not mine".
        first_error = first_error != 0 ? first_error : errno;
    }
    AGENT_LOG("cannot mount %s read-only as ext4 or any disk filesystem this kernel has: %s",
        plan.device.c_str(), std::strerror(first_error));
    return false;
}

} // namespace

bool switch_to_disk_root(const RootPlan& plan, const std::vector<std::string>& fs_types)
{
    const auto parent = plan.lower.substr(0, plan.lower.rfind('/'));
    if (!make_dir(parent) || !make_dir(plan.lower) || !make_dir(plan.rw) || !make_dir(plan.merged)
        || !mount_lower(plan, fs_types)) {
        return false;
    }
    if (::mount("tmpfs", plan.rw.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, plan.tmpfs_options.c_str())
        < 0) {
        AGENT_LOG_ERRNO("mount tmpfs for the root's writes");
        return false;
    }
    if (!make_dir(plan.upper) || !make_dir(plan.work)) {
        return false;
    }
    if (::mount("overlay", plan.merged.c_str(), "overlay", 0, plan.overlay_options.c_str()) < 0) {
        AGENT_LOG("mount overlay on %s: %s (is CONFIG_OVERLAY_FS in the kernel?)",
            plan.merged.c_str(), std::strerror(errno));
        return false;
    }
    for (const std::string& mount : plan.moved) {
        const std::string target = plan.merged + mount;
        // The image may lack /run or /tmp; the directory then goes to the overlay's tmpfs.
        if (!make_dir(target)
            || ::mount(mount.c_str(), target.c_str(), nullptr, MS_MOVE, nullptr) < 0) {
            AGENT_LOG("moving %s into the new root: %s", mount.c_str(), std::strerror(errno));
        }
    }
    if (::chdir(plan.merged.c_str()) < 0
        || ::mount(plan.merged.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0 || ::chroot(".") < 0
        || ::chdir("/") < 0) {
        // Half switched: the mounts moved already are only reachable under plan.merged.
        AGENT_LOG_ERRNO("making the overlay the root");
        return false;
    }
    return true;
}

} // namespace agent::init
