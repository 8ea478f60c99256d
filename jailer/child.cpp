// SPDX-License-Identifier: Apache-2.0
#include "jailer/child.h"

#include "jailer/privileges.h"

#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace jail {
namespace {

Result<void> detach_stdio()
{
    // The jail's own /dev/null: this runs after pivot_root.
    vmm::UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null.valid()) {
        return JailError::from_errno("cannot open /dev/null in the jail");
    }
    for (int fd = 0; fd <= 2; ++fd) {
        if (::dup2(null.get(), fd) < 0) {
            return JailError::from_errno("dup2 /dev/null");
        }
    }
    return {};
}

/// If the jailer died before PR_SET_PDEATHSIG took effect, nobody would clean up after us. The
/// jailer holds the report pipe's read end until the exec; a pipe without readers polls POLLERR.
Result<void> check_jailer_alive(int report_fd)
{
    pollfd poll_fd { report_fd, POLLOUT, 0 };
    if (::poll(&poll_fd, 1, 0) == 1 && (poll_fd.revents & POLLERR)) {
        return JailError::failure("the jailer died during setup");
    }
    return {};
}

void reset_signals()
{
    // The jailer ignores SIGPIPE and blocks the signals it forwards; the VMM starts clean.
    for (int sig = 1; sig < NSIG; ++sig) {
        ::signal(sig, SIG_DFL); // Fails harmlessly for SIGKILL, SIGSTOP and glibc's own.
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

/// The child's setup, in the order the jail needs: each step may rely on the ones before.
Result<void> set_up(const ChildPlan& plan, int report_fd)
{
    // "0" is the writer itself; the VMM and all it forks are then limited from the start.
    if (::write(plan.cgroup_procs_fd, "0", 1) != 1) {
        return JailError::from_errno("cannot join the cgroup");
    }
    if (plan.netns_fd >= 0 && ::setns(plan.netns_fd, CLONE_NEWNET) < 0) {
        return JailError::from_errno("cannot join the network namespace");
    }
    if (::sethostname(plan.hostname.data(), plan.hostname.size()) < 0) {
        return JailError::from_errno("sethostname");
    }
    TRY(build_jail_root(plan.layout));
    TRY(enter_jail_root(plan.layout.root));
    TRY(apply_rlimits(plan.rlimits));
    if (plan.detach_stdio) {
        TRY(detach_stdio());
    }
    TRY(close_fds_except(report_fd));
    TRY(drop_privileges(plan.layout.uid, plan.layout.gid));
    TRY(lock_privileges());
    return check_jailer_alive(report_fd);
}

[[noreturn]] void report_and_exit(int report_fd, const std::string& message)
{
    // One write: a pipe takes up to PIPE_BUF bytes atomically, and the parent reads to EOF.
    (void)!::write(report_fd, message.data(), message.size());
    ::_exit(exit_failure);
}

[[noreturn]] void run_child(const ChildPlan& plan, int report_fd)
{
    auto ready = set_up(plan, report_fd);
    if (!ready) {
        report_and_exit(report_fd, ready.error().message);
    }
    std::vector<char*> argv;
    for (const std::string& arg : plan.argv) {
        argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    char* const empty_env[] = { nullptr };
    reset_signals();
    ::execve(plan.exec_path.c_str(), argv.data(), empty_env);
    const int error = errno;
    std::string message = JailError::with_errno("cannot execute " + plan.exec_path, error).message;
    if (error == ENOENT) {
        message += " (a dynamically linked binary finds no loader or libraries in the jail: link "
                   "it -static)";
    }
    report_and_exit(report_fd, message);
}

} // namespace

Result<Launched> launch(const ChildPlan& plan)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) {
        return JailError::from_errno("pipe2");
    }
    vmm::UniqueFd read_end(fds[0]);
    vmm::UniqueFd write_end(fds[1]);
    unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
    if (plan.netns_fd < 0) {
        flags |= CLONE_NEWNET;
    }
    // The raw syscall without a new stack behaves like fork(): fine in this single-threaded
    // program. glibc's cached tid is stale in the child, so it never calls raise() or abort().
    const long pid = ::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, 0);
    if (pid < 0) {
        return JailError::from_errno("clone (new PID, mount, IPC, UTS and network namespaces)");
    }
    if (pid == 0) {
        read_end.reset();
        run_child(plan, write_end.get());
    }
    return Launched { static_cast<pid_t>(pid), std::move(read_end) };
}

} // namespace jail
