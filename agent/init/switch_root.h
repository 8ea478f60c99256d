// SPDX-License-Identifier: Apache-2.0
// The switch from the initramfs to a root filesystem on a disk (partvm.root=): the disk
// read-only under an overlay whose writes stay in a tmpfs, the agent's mounts moved in, then
// the overlay made / (MS_MOVE and chroot, as switch_root does: the initramfs cannot be
// pivot_root'ed away). The agent keeps running from memory; the image needs no copy of it.
#pragma once
#include "agent/init/root_plan.h"

#include <string>
#include <vector>

namespace agent::init {

/// Carries out `plan`, trying `fs_types` (disk_fs_types()) on the disk in order. False (logged)
/// when the new root could not be set up; / is then still the initramfs. Failures after the overlay
/// is mounted (a mount that would not move) are logged and skipped: the command still gets the
/// image.
bool switch_to_disk_root(const RootPlan& plan, const std::vector<std::string>& fs_types);

} // namespace agent::init
