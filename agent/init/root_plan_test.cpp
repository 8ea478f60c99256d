// SPDX-License-Identifier: Apache-2.0
#include "agent/init/root_plan.h"

#include <doctest/doctest.h>

using namespace agent::init;

TEST_CASE("plan_root: the image below, a tmpfs above, the agent's mounts moved along")
{
    const RootPlan plan = plan_root("sda", "/x");
    CHECK(plan.device == "/dev/sda");
    CHECK(plan.lower == "/x/lower");
    CHECK(plan.upper == "/x/rw/upper");
    CHECK(plan.work == "/x/rw/work");
    CHECK(plan.merged == "/x/merged");
    CHECK(plan.overlay_options == "lowerdir=/x/lower,upperdir=/x/rw/upper,workdir=/x/rw/work");
    CHECK(plan.tmpfs_options.find("size=50%") != std::string::npos);
    // /dev first: nothing else needs it gone, and it carries /dev/pts and /dev/shm.
    CHECK(plan.moved == std::vector<std::string> { "/dev", "/proc", "/sys", "/run", "/tmp" });
    CHECK(plan_root("sdb").lower == "/partvm-root/lower");
}

TEST_CASE("disk_fs_types: ext4 first, then the device filesystems the kernel has")
{
    const std::string proc = "nodev\tsysfs\nnodev\ttmpfs\n\text3\n\text2\n\text4\nnodev\toverlay\n"
                             "\tvfat";
    CHECK(disk_fs_types(proc) == std::vector<std::string> { "ext4", "ext3", "ext2", "vfat" });
    CHECK(disk_fs_types("") == std::vector<std::string> { "ext4" });
    CHECK(disk_fs_types("garbage\n\n\t\n") == std::vector<std::string> { "ext4" });
}
