// SPDX-License-Identifier: Apache-2.0
// Where the agent puts a disk root (partvm.root=): the paths, mount options and order of the
// switch from the initramfs, as data. Pure; agent/init/switch_root does the mounts.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace agent::init {

struct RootPlan {
    std::string device; ///< /dev/NAME
    std::string lower; ///< The image, read-only.
    std::string rw; ///< The tmpfs that takes the writes.
    std::string upper; ///< rw/upper and rw/work: overlayfs wants both on one filesystem.
    std::string work;
    std::string merged; ///< The overlay: the new /.
    std::string tmpfs_options;
    std::string overlay_options;
    /// The agent's own mounts, moved under `merged` in this order (each with its submounts:
    /// /dev takes /dev/pts and /dev/shm along).
    std::vector<std::string> moved;
};

/// The plan for /dev/`device_name`, staged under `base` (a directory of the initramfs).
RootPlan plan_root(std::string_view device_name, std::string_view base = "/partvm-root");

/// The filesystem types to try on a disk, from /proc/filesystems: ext4 first (what
/// rootfs/make-ext4.sh makes), then every other type that needs a device, in the kernel's order.
std::vector<std::string> disk_fs_types(std::string_view proc_filesystems);

} // namespace agent::init
