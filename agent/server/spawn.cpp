// SPDX-License-Identifier: Apache-2.0
#include "agent/server/spawn.h"

#include "agent/protocol/messages.h"
#include "agent/sys/fd.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

namespace agent::server {

namespace {

using protocol::ErrorStage;

/// Everything the child needs, prepared before fork(): between fork() and execve() the child
/// only makes system calls.
struct ChildPlan {
    std::vector<char*> argv;
    std::vector<char*> envp;
    std::vector<const char*> candidates;
    const char* cwd { "/" };
    const Credentials* credentials { nullptr };
    int tty { -1 }; // the pty slave
    int stdin_fd { -1 };
    int stdout_fd { -1 };
    int stderr_fd { -1 };
    int status_fd { -1 };
};

std::vector<char*> pointers(const std::vector<std::string>& strings)
{
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& s : strings) {
        out.push_back(const_cast<char*>(s.c_str())); // execve's prototype is not const-correct
    }
    out.push_back(nullptr);
    return out;
}

[[noreturn]] void fail(int status_fd, ErrorStage stage, int code)
{
    const SpawnFailure failure { static_cast<uint32_t>(stage), static_cast<uint32_t>(code) };
    (void)!::write(status_fd, &failure, sizeof failure); // 8 bytes: atomic on a pipe
    ::_exit(127);
}

bool switch_user(const Credentials& c)
{
    if (::geteuid() != 0) {
        // Unprivileged (tests): only "who we are already" can work.
        if (c.uid == ::getuid() && c.gid == ::getgid()) {
            return true;
        }
        errno = EPERM;
        return false;
    }
    return ::setgroups(c.groups.size(), c.groups.data()) == 0 && ::setgid(c.gid) == 0
        && ::setuid(c.uid) == 0;
}

[[noreturn]] void child_main(const ChildPlan& plan)
{
    const int status = plan.status_fd;

    // Every signal is blocked since before fork(): handlers of the parent's (a test framework's)
    // never run here, and a signal sent now (SIGNAL, a timeout) waits for the defaults below.
    // The agent ignores SIGPIPE and takes signals through a signalfd; neither may be inherited.
    struct sigaction dfl { };
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
        ::sigaction(sig, &dfl, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    if (::setsid() < 0) {
        fail(status, ErrorStage::Spawn, errno);
    }
    if (plan.tty >= 0) {
        if (::ioctl(plan.tty, TIOCSCTTY, 0) < 0) {
            fail(status, ErrorStage::Spawn, errno);
        }
        for (int fd = 0; fd <= 2; ++fd) {
            if (::dup2(plan.tty, fd) < 0) {
                fail(status, ErrorStage::Spawn, errno);
            }
        }
    } else if (::dup2(plan.stdin_fd, 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0
        || ::dup2(plan.stderr_fd, 2) < 0) {
        fail(status, ErrorStage::Spawn, errno);
    }
    // Everything of ours is close-on-exec already; this also drops fds the agent's own parent
    // (a test process) may have leaked. The status pipe stays until execve closes it.
    if (status > 3) {
        ::close_range(3, static_cast<unsigned>(status - 1), 0);
    }
    ::close_range(static_cast<unsigned>(status + 1), ~0u, 0);

    if (plan.tty >= 0 && plan.credentials) {
        // The terminal belongs to whoever uses it (as login does), for programs that check.
        (void)::fchown(0, plan.credentials->uid, static_cast<gid_t>(-1));
    }
    if (plan.credentials && !switch_user(*plan.credentials)) {
        fail(status, ErrorStage::User, errno);
    }
    if (::chdir(plan.cwd) < 0) {
        fail(status, ErrorStage::Cwd, errno);
    }
    // Like execvp(): keep searching past ENOENT-like failures; report EACCES if any entry had it.
    int error = ENOENT;
    bool denied = false;
    for (const char* path : plan.candidates) {
        ::execve(path, plan.argv.data(), plan.envp.data());
        error = errno;
        if (error == EACCES) {
            denied = true;
        } else if (error != ENOENT && error != ENOTDIR && error != ESTALE && error != ENODEV
            && error != ETIMEDOUT) {
            break;
        }
    }
    fail(
        status, ErrorStage::Exec, denied && (error == ENOENT || error == ENOTDIR) ? EACCES : error);
}

struct Pty {
    vmm::UniqueFd master;
    vmm::UniqueFd slave;
};

vmm::Result<Pty> open_pty(uint16_t rows, uint16_t cols)
{
    Pty pty;
    pty.master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!pty.master.valid()) {
        return vmm::Error::from_errno("posix_openpt");
    }
    if (::grantpt(pty.master.get()) < 0 || ::unlockpt(pty.master.get()) < 0) {
        return vmm::Error::from_errno("unlockpt");
    }
    // TIOCGPTPEER opens the slave without a path lookup (no race with /dev/pts).
    pty.slave.reset(::ioctl(pty.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!pty.slave.valid()) {
        char name[64];
        if (::ptsname_r(pty.master.get(), name, sizeof name) != 0) {
            return vmm::Error::from_errno("ptsname");
        }
        pty.slave.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (!pty.slave.valid()) {
            return vmm::Error::from_errno("open pty slave");
        }
    }
    struct winsize size { };
    size.ws_row = rows ? rows : 24;
    size.ws_col = cols ? cols : 80;
    if (::ioctl(pty.master.get(), TIOCSWINSZ, &size) < 0) {
        return vmm::Error::from_errno("TIOCSWINSZ");
    }
    return pty;
}

} // namespace

vmm::Result<SpawnedProcess> spawn(const SpawnRequest& request)
{
    SpawnedProcess process;
    ChildPlan plan;
    plan.argv = pointers(request.argv);
    plan.envp = pointers(request.env);
    for (const auto& candidate : request.candidates) {
        plan.candidates.push_back(candidate.c_str());
    }
    plan.cwd = request.cwd.empty() ? "/" : request.cwd.c_str();
    plan.credentials = request.credentials ? &*request.credentials : nullptr;

    auto status = TRY(sys::make_pipe());
    plan.status_fd = status.write.get();
    Pty pty;
    sys::Pipe in, out, err;
    if (request.tty) {
        pty = TRY(open_pty(request.rows, request.cols));
        plan.tty = pty.slave.get();
    } else {
        in = TRY(sys::make_pipe());
        out = TRY(sys::make_pipe());
        err = TRY(sys::make_pipe());
        plan.stdin_fd = in.read.get();
        plan.stdout_fd = out.write.get();
        plan.stderr_fd = err.write.get();
    }

    sigset_t all, previous;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, &previous);
    const pid_t pid = ::fork();
    if (pid == 0) {
        child_main(plan);
    }
    const int fork_errno = errno;
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    if (pid < 0) {
        errno = fork_errno;
        return vmm::Error::from_errno("fork");
    }
    // The child's ends close here as the locals go; ours become the session's.
    process.pid = pid;
    process.status = std::move(status.read);
    if (request.tty) {
        process.input.reset(::fcntl(pty.master.get(), F_DUPFD_CLOEXEC, 3));
        process.output = std::move(pty.master);
        if (!process.input.valid()) {
            // The child runs already: the caller's session kills it; it just gets no stdin.
            process.input.reset();
        }
    } else {
        process.input = std::move(in.write);
        process.output = std::move(out.read);
        process.errors = std::move(err.read);
    }
    for (const auto* fd : { &process.status, &process.input, &process.output, &process.errors }) {
        if (fd->valid()) {
            (void)sys::set_nonblocking(fd->get());
        }
    }
    return process;
}

} // namespace agent::server
