// SPDX-License-Identifier: Apache-2.0
#include "vmm/run/preflight.h"

#include "base/file_image.h"
#include "base/unique_fd.h"
#include "jailer/cgroup_layout.h"
#include "vmm/cli/exit_status.h"
#include "vmm/disk_image/open_disk.h"
#include "vmm/host_check/host_report.h"
#include "vmm/run/run_command.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace vmm {

namespace {

// `partvm check --json` prints a few KiB; anything past this is not its answer.
constexpr size_t max_check_output = 1 << 20;

/// Runs `self check --json` and returns its "vm_problem": empty when KVM can run VMs here.
std::string kvm_problem(const std::string& self)
{
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        return "cannot ask 'partvm check': " + Error::from_errno("pipe").message();
    }
    UniqueFd read_end(pipe_fds[0]);
    UniqueFd write_end(pipe_fds[1]);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    const char* argv[] = { self.c_str(), "check", "--json", nullptr };
    pid_t pid = 0;
    const int spawned = ::posix_spawn(
        &pid, self.c_str(), &actions, nullptr, const_cast<char* const*>(argv), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    write_end.reset();
    if (spawned != 0) {
        return fmt::format("cannot run '{} check': {}", self, std::strerror(spawned));
    }
    std::string output;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(read_end.get(), buffer, sizeof(buffer))) > 0
        && output.size() < max_check_output) {
        output.append(buffer, size_t(n));
    }
    read_end.reset(); // A child still writing past the cap gets EPIPE instead of blocking us.
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
    const auto json = nlohmann::json::parse(output, nullptr, false);
    if (json.is_discarded() || !json.contains("vm_problem") || !json["vm_problem"].is_string()) {
        return "'partvm check' gave no verdict on this host";
    }
    return json["vm_problem"].get<std::string>();
}

/// Each disk opened (and closed) as the VMM will open it, so a missing, odd-sized or locked image
/// is refused before anything starts; jailed, also whether the jail's user may open it, which
/// root here always may.
std::optional<Refusal> check_disks(const RunRequest& request, const VmmLaunch& launch)
{
    const auto& disks = request.config.disks;
    auto opened = open_disks(disks); // All at once, as the VMM holds them; closed on return.
    if (!opened) {
        return Refusal { exit_usage, opened.error().message };
    }
    for (size_t i = 0; launch.jailed && i < disks.size(); ++i) {
        struct stat st { };
        if (::fstat(opened->at(i).fd.get(), &st) < 0) {
            return Refusal { exit_usage,
                fmt::format(
                    "disk[{}] '{}': cannot stat it: {}", i, disks[i].path, std::strerror(errno)) };
        }
        const std::string problem = jail_access_problem(st.st_mode, st.st_uid, st.st_gid,
            launch.jail_uid, launch.jail_gid, !disks[i].read_only);
        if (!problem.empty()) {
            return Refusal { exit_usage,
                fmt::format("disk[{}] '{}': {}; partvm does not change it for you (chown or "
                            "chmod it, or use --no-jail)",
                    i, disks[i].path, problem) };
        }
    }
    return std::nullopt;
}

} // namespace

std::string jail_access_problem(
    mode_t mode, uid_t owner, gid_t group, uid_t uid, gid_t gid, bool write)
{
    // As the kernel picks the class: owner bits for the owner, else group bits, else other bits.
    const int shift = owner == uid ? 6 : group == gid ? 3 : 0;
    const mode_t bits = (mode >> shift) & 07;
    const bool readable = (bits & 04) != 0;
    const bool writable = (bits & 02) != 0;
    if (readable && (writable || !write)) {
        return {};
    }
    return fmt::format("the jailed VMM runs as uid {}, gid {}, which may not {} it (mode {:04o}, "
                       "owner {}:{})",
        uid, gid, write ? "read and write" : "read", mode & 07777, owner, group);
}

std::optional<Refusal> preflight(
    const RunRequest& request, const VmmLaunch& launch, const std::string& self)
{
    const bool jailed = launch.jailed;
    const std::pair<const std::string&, const char*> files[]
        = { { request.config.boot.kernel, "kernel" }, { request.config.boot.initrd, "rootfs" } };
    for (const auto& [path, role] : files) {
        if (auto image = FileImage::open(path, role); !image) {
            return Refusal { exit_usage, image.error().message };
        }
    }
    if (auto refused = check_disks(request, launch)) {
        return refused;
    }
    if (const std::string problem = kvm_problem(self); !problem.empty()) {
        return Refusal { exit_run_failure, fmt::format("{}; {}", problem, host::see_partvm_check) };
    }
    if (jailed) {
        if (const std::string problem = jail::jail_cgroup_problem(jail::probe_cgroup());
            !problem.empty()) {
            return Refusal { exit_run_failure,
                fmt::format("cannot jail the VMM: {}; {}", problem, jail::no_jail_gives_up) };
        }
    }
    return std::nullopt;
}

} // namespace vmm
