// SPDX-License-Identifier: Apache-2.0
#include "jailer/jailer.h"

#include "jailer/cgroup.h"
#include "jailer/child.h"
#include "jailer/daemon.h"
#include "jailer/jail_dir.h"
#include "jailer/supervise.h"

#include <fcntl.h>
#include <iostream>
#include <linux/nsfs.h>
#include <optional>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace jail {
namespace {

void print(const std::string& line)
{
    std::cerr << "partvm-jailer: " << line << std::endl;
}

int report(const JailError& error)
{
    print(error.message);
    return error.exit_status;
}

/// Kills (SIGKILL) and reaps the child on every early exit, before the jail directory and the
/// cgroup leaf are removed: both must outlive the VMM.
class ChildGuard {
public:
    explicit ChildGuard(pid_t pid)
        : m_pid(pid)
    {
    }
    ChildGuard(const ChildGuard&) = delete;
    ChildGuard& operator=(const ChildGuard&) = delete;
    ~ChildGuard()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            reap(m_pid);
        }
    }
    /// The child has been reaped by someone else.
    void reaped() { m_pid = -1; }

private:
    pid_t m_pid;
};

Result<vmm::UniqueFd> open_netns(const std::string& path)
{
    if (path.empty()) {
        return vmm::UniqueFd();
    }
    vmm::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        JailError error = JailError::from_errno("--netns " + path);
        error.exit_status = exit_usage;
        return error;
    }
    if (::ioctl(fd.get(), NS_GET_NSTYPE) != CLONE_NEWNET) {
        return JailError::usage(
            "--netns " + path + ": not a network namespace (such as /var/run/netns/NAME)");
    }
    return fd;
}

ChildPlan make_plan(const Options& options, const std::string& root, int procs_fd, int netns_fd)
{
    ChildPlan plan;
    plan.hostname = options.id;
    plan.cgroup_procs_fd = procs_fd;
    plan.netns_fd = netns_fd;
    plan.layout.root = root;
    plan.layout.uid = options.uid;
    plan.layout.gid = options.gid;
    plan.exec_path = "/" + options.exec_name;
    plan.layout.binds.push_back({ options.exec_file, plan.exec_path, BindMount::Kind::Exec });
    for (const MountSpec& spec : options.files) {
        plan.layout.binds.push_back({ spec.host, spec.jail, BindMount::Kind::File });
    }
    for (const MountSpec& spec : options.rw_files) {
        plan.layout.binds.push_back({ spec.host, spec.jail, BindMount::Kind::FileRw });
    }
    for (const MountSpec& spec : options.dirs) {
        plan.layout.binds.push_back({ spec.host, spec.jail, BindMount::Kind::Dir });
    }
    plan.rlimits = options.rlimits;
    plan.detach_stdio = options.daemonize;
    plan.argv.push_back(plan.exec_path);
    plan.argv.insert(plan.argv.end(), options.args.begin(), options.args.end());
    return plan;
}

/// Tells the user how the VM ended, when its exit status alone does not (OOM kill, signal).
void report_end(const Options& options, const CgroupLeaf& leaf, int wait_status)
{
    MemoryEvents events;
    if (auto text = leaf.read("memory.events")) {
        events = parse_memory_events(*text);
    }
    std::string memory_max = options.cgroup_value("memory.max");
    if (memory_max.empty()) {
        auto text = leaf.read("memory.max");
        memory_max = text ? text->substr(0, text->find('\n')) : "?";
    }
    for (const std::string& line : describe_end(options.id, wait_status, events, memory_max)) {
        print(line);
    }
}

/// Everything from the first thing created to the cleanup; early returns unwind through the
/// guards (child killed, jail directory and cgroup leaf removed, in that order).
Result<int> jail_and_run(const Options& options, vmm::UniqueFd netns)
{
    std::optional<Daemon> daemon;
    if (options.daemonize) {
        daemon.emplace(TRY(Daemon::start()));
    }
    const SignalWatch signals = TRY(SignalWatch::create());
    CgroupLeaf leaf = TRY(CgroupLeaf::create(options.cgroup_parent, options.id));
    for (const CgroupSetting& setting : options.cgroup_settings) {
        TRY(leaf.apply(setting));
    }
    JailDir jail = TRY(JailDir::create(options.chroot_base, options.exec_name, options.id));
    vmm::UniqueFd procs = TRY(leaf.open_procs());

    Launched child = TRY(launch(make_plan(options, jail.root(), procs.get(), netns.get())));
    ChildGuard guard(child.pid);
    procs.reset();
    netns.reset();
    const SetupOutcome setup = TRY(await_setup(child.report.get(), signals, child.pid));
    if (setup.stop_signal != 0) {
        print("VM " + options.id + ": stopped by signal " + signal_text(setup.stop_signal)
            + " before the VMM started");
        return 128 + setup.stop_signal;
    }
    if (!setup.failure.empty()) {
        return JailError::failure("VM " + options.id + ": jail setup failed: " + setup.failure);
    }
    if (daemon) {
        TRY(daemon->jail_is_up());
    }

    const int wait_status = TRY(supervise(child.pid, signals));
    guard.reaped();
    report_end(options, leaf, wait_status);
    // Both removals are tried and reported; the VMM's status stays the exit status.
    for (auto removed : { leaf.remove(), jail.remove() }) {
        if (!removed) {
            print("VM " + options.id + ": cleanup: " + removed.error().message);
        }
    }
    return exit_status_of(wait_status);
}

} // namespace

int run_jailer(Options options)
{
    if (const auto errors = resolve_host_paths(options); !errors.empty()) {
        for (const std::string& error : errors) {
            print(error);
        }
        return exit_usage;
    }
    if (::geteuid() != 0) {
        print("must run as root: it creates namespaces, a cgroup and device nodes (the VMM then "
              "runs as --uid/--gid)");
        return exit_failure;
    }
    auto netns = open_netns(options.netns);
    if (!netns) {
        return report(netns.error());
    }
    if (auto cgroup2 = check_cgroup2(); !cgroup2) {
        return report(cgroup2.error());
    }
    auto status = jail_and_run(options, std::move(netns).value());
    if (!status) {
        return report(status.error());
    }
    return *status;
}

} // namespace jail
