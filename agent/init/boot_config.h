// SPDX-License-Identifier: Apache-2.0
// What the agent reads from the kernel command line when it is PID 1. Pure.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace agent::init {

/// Modules loaded when the command line names none: the Hyper-V bus, its utilities (shutdown,
/// heartbeat) and the vsock transport the agent connects over.
inline const std::vector<std::string> default_modules { "hv_vmbus", "hv_utils", "hv_sock" };
/// Added when the VM has disks: the VMBus SCSI driver and the SCSI disk driver.
inline const std::vector<std::string> disk_modules { "hv_storvsc", "sd_mod" };
/// Added when the root is on a disk (partvm.root=): the upper layer over the read-only image.
/// ext4 is built into both kernels partvm boots (its own and Debian's cloud kernel).
inline const std::vector<std::string> root_modules { "overlay" };
/// The most disks partvm.disks= may name (the VMM's own limit).
inline constexpr unsigned max_disks = 64;

struct BootConfig {
    /// partvm.modules=a,b,c: modprobe'd in this order before connecting ("" loads none).
    std::vector<std::string> modules { default_modules };
    /// partvm.hostname=NAME
    std::string hostname { "partvm" };
    /// partvm.disks=N: the VM has N SCSI disks, which the command expects to find as /dev/sd*
    /// (at most max_disks; a malformed value counts as 0).
    unsigned disks { 0 };
    /// partvm.root=NAME: the block device /dev/NAME (a bare name such as "sda") holds the root
    /// filesystem, mounted read-only under a tmpfs overlay (docs/images.md). Empty: the
    /// initramfs stays the root. A name with anything but [a-z0-9] is ignored (empty).
    std::string root;

    /// `modules`, then disk_modules when there are disks (or a root disk) and root_modules with
    /// a root disk, each only when `modules` lacks it.
    std::vector<std::string> modules_to_load() const;
};

/// Parses /proc/cmdline. Unknown words are ignored; the last of a repeated key wins.
BootConfig parse_cmdline(std::string_view cmdline);

} // namespace agent::init
