// SPDX-License-Identifier: Apache-2.0
#include "vmm/run/vmm_process.h"

#include "vmm/config/disk_flag.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/core.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vmm {

namespace {

constexpr std::string_view jail_socket_dir = "/run";

void add(std::vector<std::string>& argv, std::string_view flag, std::string value)
{
    argv.emplace_back(flag);
    argv.push_back(std::move(value));
}

/// Where disks[index] appears inside the jail.
std::string jail_disk_path(size_t index)
{
    return fmt::format("/disks/{}", index);
}

/// `partvm boot` for the request, with paths as the VMM will see them (`jailed`: disks at
/// jail_disk_path()).
std::vector<std::string> boot_args(const RunRequest& request, const std::string& kernel,
    const std::string& initrd, const std::string& socket_dir, bool jailed)
{
    const VmConfig& config = request.config;
    std::vector<std::string> argv { "boot" };
    add(argv, "--kernel", kernel);
    if (!initrd.empty()) {
        add(argv, "--initrd", initrd);
    }
    if (config.boot.cmdline_set) {
        add(argv, "--cmdline", config.boot.cmdline);
    }
    add(argv, "--memory", fmt::format("{}B", config.machine.memory_bytes)); // Exact.
    add(argv, "--vcpus", std::to_string(config.machine.vcpus));
    // The guest's state is thrown away: when run is done, the VM stops at once.
    add(argv, "--shutdown-timeout", "0");
    add(argv, "--vsock", socket_dir + "/vsock");
    add(argv, "--log-level", log_level_name(request.log_level));
    argv.emplace_back(config.console.serial ? "--serial" : "--no-serial");
    for (size_t i = 0; i < config.disks.size(); ++i) {
        DiskConfig disk = config.disks[i];
        if (jailed) {
            disk.path = jail_disk_path(i);
        }
        // A defaulted serial stays so: the VMM derives the same one from the same index.
        add(argv, "--disk", format_disk_flag(disk));
    }
    if (!request.fencing.seccomp) {
        argv.emplace_back("--no-seccomp");
    }
    if (request.fencing.forbidden_syscall_test) {
        add(argv, "--test-forbidden-syscall",
            std::string(to_string(*request.fencing.forbidden_syscall_test)));
    }
    return argv;
}

} // namespace

std::vector<std::string> vmm_argv(
    const RunRequest& request, const VmmLaunch& launch, const std::string& self)
{
    const BootConfig& boot = request.config.boot;
    if (!launch.jailed) {
        std::vector<std::string> argv { self };
        auto args = boot_args(request, boot.kernel, boot.initrd, launch.socket_dir, false);
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }
    const uint64_t memory = request.config.machine.memory_bytes;
    std::vector<std::string> argv {
        (std::filesystem::path(self).parent_path() / "partvm-jailer").string()
    };
    add(argv, "--id", launch.jail_id);
    add(argv, "--exec-file", self);
    add(argv, "--uid", std::to_string(launch.jail_uid));
    add(argv, "--gid", std::to_string(launch.jail_gid));
    // The jail lives on a tmpfs, like the VM.
    add(argv, "--chroot-base", "/run/partvm-jailer");
    // Guest RAM plus the VMM's own: its heap, io_uring and KVM's page tables.
    add(argv, "--cgroup", fmt::format("memory.max={}", memory + (128ull << 20)));
    add(argv, "--cgroup", fmt::format("pids.max={}", request.config.machine.vcpus + 16));
    add(argv, "--file", boot.kernel + ":/kernel");
    if (!boot.initrd.empty()) {
        add(argv, "--file", boot.initrd + ":/initrd");
    }
    // Writable disks need a writable bind; the jailed VMM opens them as --uid, so the image's own
    // permissions must let that user in (docs/disks.md: partvm does not chown them).
    for (size_t i = 0; i < request.config.disks.size(); ++i) {
        const DiskConfig& disk = request.config.disks[i];
        add(argv, disk.read_only ? "--file" : "--file-rw", disk.path + ":" + jail_disk_path(i));
    }
    add(argv, "--dir", launch.socket_dir + ":" + std::string(jail_socket_dir));
    argv.emplace_back("--");
    auto args = boot_args(request, "/kernel", boot.initrd.empty() ? "" : "/initrd",
        std::string(jail_socket_dir), true);
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

Result<VmmProcess> VmmProcess::spawn(const std::vector<std::string>& argv)
{
    std::vector<char*> pointers;
    for (const auto& arg : argv) {
        pointers.push_back(const_cast<char*>(arg.c_str()));
    }
    pointers.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork(); // partvm run has no other threads yet.
    if (pid < 0) {
        return Error::from_errno("fork");
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) {
            ::_exit(125); // partvm run is already gone.
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0) {
            ::dup2(null, STDIN_FILENO);
        }
        ::execv(pointers[0], pointers.data());
        fmt::print(stderr, "partvm: cannot start {}: {}\n", argv[0], std::strerror(errno));
        ::_exit(125);
    }
    UniqueFd pidfd(int(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd.valid()) {
        const Error error = Error::from_errno("pidfd_open");
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        return error;
    }
    return VmmProcess(pid, std::move(pidfd));
}

VmmProcess::VmmProcess(pid_t pid, UniqueFd pidfd)
    : m_pid(pid)
    , m_pidfd(std::move(pidfd))
{
}

VmmProcess::VmmProcess(VmmProcess&& other) noexcept
    : m_pid(std::exchange(other.m_pid, -1))
    , m_pidfd(std::move(other.m_pidfd))
    , m_reaped(other.m_reaped)
    , m_status(other.m_status)
{
}

VmmProcess::~VmmProcess()
{
    if (m_pid > 0) {
        stop();
    }
}

int VmmProcess::reap()
{
    if (!m_reaped) {
        while (::waitpid(m_pid, &m_status, 0) < 0 && errno == EINTR) { }
        m_reaped = true;
    }
    return m_status;
}

int VmmProcess::stop()
{
    if (!m_reaped) {
        ::kill(m_pid, SIGTERM); // The jailer passes it on, then removes the jail.
        pollfd ended { m_pidfd.get(), POLLIN, 0 };
        if (::poll(&ended, 1, 10'000) == 0) {
            fmt::print(stderr, "partvm: the VMM did not stop within 10 s of SIGTERM; killing it\n");
            ::kill(m_pid, SIGKILL);
        }
    }
    return reap();
}

std::string describe_vmm_end(int status)
{
    int signal = 0;
    if (WIFSIGNALED(status)) {
        signal = WTERMSIG(status);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) > 128) {
        signal = WEXITSTATUS(status) - 128; // partvm-jailer reports its VMM's signal so.
    } else if (WIFEXITED(status)) {
        return fmt::format("the VMM exited with status {}", WEXITSTATUS(status));
    }
    if (signal == SIGSYS) {
        return "the VMM was killed by its seccomp filter (SIGSYS): one of its threads made a "
               "system call outside its allowlist (the kernel log names the thread and the call: "
               "look for type=1326 in dmesg)";
    }
    if (signal == SIGKILL) {
        return "the VMM was killed (SIGKILL; out of memory?)";
    }
    return fmt::format("the VMM was killed by signal {} ({})", signal,
        ::sigabbrev_np(signal) ? ::sigabbrev_np(signal) : "?");
}

} // namespace vmm
