// SPDX-License-Identifier: Apache-2.0
// PID 1 duties of the agent: the filesystems a process expects, the hostname, the loopback
// interface, kernel modules, and the power actions. Each step logs its own failure and goes on:
// a guest with a missing /dev/shm is still worth running a command in.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace agent::init {

/// /proc, /sys, /dev (devtmpfs), /dev/pts, /dev/shm, /tmp, /run, and the /dev/fd links.
void mount_filesystems();

void set_hostname(const std::string& name);

/// Brings `lo` up; the kernel then gives it 127.0.0.1 and ::1 by itself.
void bring_up_loopback();

/// `modprobe -a MODULES...` (busybox's or kmod's), waited for.
void load_modules(const std::vector<std::string>& modules);

/// Waits (at most `timeout_ms`) until /sys/block lists `count` SCSI disks (sd*): the disk drivers
/// probe and scan in the background, and a command started earlier would not find its disks.
/// False (logged) on timeout.
bool wait_for_disks(unsigned count, int timeout_ms);

enum class PowerAction { PowerOff, Reboot, Halt };

/// busybox poweroff/reboot/halt (and the kernel's orderly_poweroff, which runs poweroff) signal
/// PID 1 with SIGUSR2/SIGTERM/SIGUSR1.
std::optional<PowerAction> power_action_for(int signo);

/// sync(), then reboot(2). Does not return.
[[noreturn]] void power(PowerAction action);

} // namespace agent::init
