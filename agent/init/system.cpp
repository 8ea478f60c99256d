// SPDX-License-Identifier: Apache-2.0
#include "agent/init/system.h"

#include "agent/sys/log.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace agent::init {

namespace {

struct MountSpec {
    const char* target;
    const char* type;
    unsigned long flags;
    const char* options;
};

constexpr MountSpec mounts[] = {
    { "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr },
    { "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr },
    { "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
    { "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666" },
    { "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
    { "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
    { "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
};

} // namespace

void mount_filesystems()
{
    for (const auto& m : mounts) {
        if (::mkdir(m.target, 0755) < 0 && errno != EEXIST) {
            AGENT_LOG_ERRNO(m.target);
            continue;
        }
        // EBUSY: already there (the kernel mounts devtmpfs itself on some configurations).
        if (::mount(m.type, m.target, m.type, m.flags, m.options) < 0 && errno != EBUSY) {
            AGENT_LOG("mount %s on %s: %s", m.type, m.target, std::strerror(errno));
        }
    }
    // What shells expect for process substitution and /dev/stdin.
    ::symlink("/proc/self/fd", "/dev/fd");
    ::symlink("/proc/self/fd/0", "/dev/stdin");
    ::symlink("/proc/self/fd/1", "/dev/stdout");
    ::symlink("/proc/self/fd/2", "/dev/stderr");
}

void set_hostname(const std::string& name)
{
    if (::sethostname(name.data(), name.size()) < 0) {
        AGENT_LOG_ERRNO("sethostname");
    }
}

void bring_up_loopback()
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        AGENT_LOG_ERRNO("socket(AF_INET)");
        return;
    }
    struct ifreq request { };
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(fd, SIOCGIFFLAGS, &request) < 0) {
        AGENT_LOG_ERRNO("SIOCGIFFLAGS lo");
    } else {
        request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
        if (::ioctl(fd, SIOCSIFFLAGS, &request) < 0) {
            AGENT_LOG_ERRNO("SIOCSIFFLAGS lo");
        }
    }
    ::close(fd);
}

void load_modules(const std::vector<std::string>& modules)
{
    // No /proc/modules: the kernel cannot load modules, so every driver it has is built in (the
    // default partvm kernel). Skipping saves a fork and exec per boot.
    if (modules.empty() || ::access("/proc/modules", F_OK) != 0) {
        return;
    }
    std::vector<std::string> args { "modprobe", "-a" };
    args.insert(args.end(), modules.begin(), modules.end());
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        AGENT_LOG_ERRNO("fork");
        return;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr); // ours are blocked for the signalfd
        char* envp[] = { const_cast<char*>("PATH=/sbin:/bin:/usr/sbin:/usr/bin"), nullptr };
        ::execve("/sbin/modprobe", argv.data(), envp);
        ::execve("/bin/busybox", argv.data(), envp); // busybox dispatches on argv[0]
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string list;
        for (const auto& m : modules) {
            list += (list.empty() ? "" : ",") + m;
        }
        AGENT_LOG("modprobe -a %s failed (status %d)", list.c_str(), status);
    }
}

namespace {

unsigned count_scsi_disks()
{
    DIR* dir = ::opendir("/sys/block");
    if (dir == nullptr) {
        return 0;
    }
    unsigned count = 0;
    while (const dirent* entry = ::readdir(dir)) {
        count += std::strncmp(entry->d_name, "sd", 2) == 0 ? 1 : 0;
    }
    ::closedir(dir);
    return count;
}

} // namespace

bool wait_for_disks(unsigned count, int timeout_ms)
{
    constexpr int poll_ms = 5;
    for (int waited = 0; count_scsi_disks() < count; waited += poll_ms) {
        if (waited >= timeout_ms) {
            AGENT_LOG(
                "only %u of %u disks appeared in %d ms", count_scsi_disks(), count, timeout_ms);
            return false;
        }
        const timespec pause { 0, poll_ms * 1000 * 1000 };
        ::nanosleep(&pause, nullptr);
    }
    return true;
}

std::optional<PowerAction> power_action_for(int signo)
{
    switch (signo) {
    case SIGUSR2:
        return PowerAction::PowerOff;
    case SIGTERM:
        return PowerAction::Reboot;
    case SIGUSR1:
        return PowerAction::Halt;
    default:
        return std::nullopt;
    }
}

void power(PowerAction action)
{
    ::sync();
    switch (action) {
    case PowerAction::PowerOff:
        ::reboot(RB_POWER_OFF);
        break;
    case PowerAction::Reboot:
        ::reboot(RB_AUTOBOOT);
        break;
    case PowerAction::Halt:
        ::reboot(RB_HALT_SYSTEM);
        break;
    }
    AGENT_LOG_ERRNO("reboot");
    ::_exit(1); // PID 1 exiting panics the kernel: at least the VM stops
}

} // namespace agent::init
