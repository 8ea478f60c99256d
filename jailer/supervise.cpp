// SPDX-License-Identifier: Apache-2.0
#include "jailer/supervise.h"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace jail {
namespace {

bool is_forwarded(int sig)
{
    return std::find(std::begin(forwarded_signals), std::end(forwarded_signals), sig)
        != std::end(forwarded_signals);
}

struct Received {
    int sig { 0 }; ///< 0: none pending.
    int code { 0 }; ///< si_code: who sent it.
};

/// One pending signal from the signalfd (which is non-blocking).
Result<Received> next_signal(const SignalWatch& signals)
{
    signalfd_siginfo info {};
    const ssize_t n = ::read(signals.fd(), &info, sizeof(info));
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return Received {};
    }
    if (n != sizeof(info)) {
        return JailError::from_errno("read signalfd");
    }
    return Received { static_cast<int>(info.ssi_signo), info.ssi_code };
}

Result<void> wait_readable(int fd_a, int fd_b)
{
    pollfd fds[2] = { { fd_a, POLLIN, 0 }, { fd_b, POLLIN, 0 } };
    while (::poll(fds, fd_b >= 0 ? 2 : 1, -1) < 0) {
        if (errno != EINTR) {
            return JailError::from_errno("poll");
        }
    }
    return {};
}

} // namespace

bool should_forward(int sig, int si_code)
{
    return is_forwarded(sig) && !(si_code == SI_KERNEL && (sig == SIGINT || sig == SIGQUIT));
}

Result<SignalWatch> SignalWatch::create()
{
    sigset_t set;
    sigemptyset(&set);
    for (int sig : forwarded_signals) {
        sigaddset(&set, sig);
    }
    sigaddset(&set, SIGCHLD);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) {
        return JailError::from_errno("sigprocmask");
    }
    vmm::UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd.valid()) {
        return JailError::from_errno("signalfd");
    }
    return SignalWatch(std::move(fd));
}

Result<SetupOutcome> await_setup(int report_fd, const SignalWatch& signals, pid_t child)
{
    // Non-blocking: poll may wake for a signal while the child has not written anything.
    if (::fcntl(report_fd, F_SETFL, O_NONBLOCK) < 0) {
        return JailError::from_errno("fcntl(O_NONBLOCK)");
    }
    SetupOutcome outcome;
    while (true) {
        TRY(wait_readable(report_fd, signals.fd()));
        // SIGCHLD is left for supervise(): it reaps by waitpid, not by counting signals.
        for (Received got = TRY(next_signal(signals)); got.sig != 0;
             got = TRY(next_signal(signals))) {
            if (is_forwarded(got.sig) && outcome.stop_signal == 0) {
                outcome.stop_signal = got.sig;
                ::kill(child, SIGKILL);
            }
        }
        char buffer[4096];
        const ssize_t n = ::read(report_fd, buffer, sizeof(buffer));
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
        }
        if (n < 0) {
            return JailError::from_errno("read the child's setup report");
        }
        if (n == 0) {
            return outcome;
        }
        outcome.failure.append(buffer, static_cast<size_t>(n));
    }
}

Result<int> supervise(pid_t child, const SignalWatch& signals)
{
    while (true) {
        // First, every time: a SIGCHLD may already have been consumed during the setup.
        int status = 0;
        const pid_t done = ::waitpid(child, &status, WNOHANG);
        if (done == child) {
            return status;
        }
        if (done < 0 && errno != EINTR) {
            return JailError::from_errno("waitpid");
        }
        TRY(wait_readable(signals.fd(), -1));
        for (Received got = TRY(next_signal(signals)); got.sig != 0;
             got = TRY(next_signal(signals))) {
            if (should_forward(got.sig, got.code)) {
                // The VMM is PID 1 of its namespace; it receives the signal because it blocks it
                // and reads it from a signalfd (blocked signals are queued even for an init).
                ::kill(child, got.sig);
            }
        }
    }
}

int reap(pid_t child)
{
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) { }
    return status;
}

int exit_status_of(int wait_status)
{
    if (WIFEXITED(wait_status)) {
        return WEXITSTATUS(wait_status);
    }
    if (WIFSIGNALED(wait_status)) {
        return 128 + WTERMSIG(wait_status);
    }
    return exit_failure;
}

std::string signal_text(int sig)
{
    const char* abbrev = ::sigabbrev_np(sig);
    return std::to_string(sig) + (abbrev ? std::string(" (SIG") + abbrev + ")" : std::string());
}

std::vector<std::string> describe_end(
    std::string_view id, int wait_status, const MemoryEvents& events, std::string_view memory_max)
{
    const std::string vm = "VM " + std::string(id) + ": ";
    std::vector<std::string> lines;
    const bool oom = events.oom_kill > 0;
    if (oom) {
        lines.push_back(vm
            + "out of memory: the VMM was killed when its cgroup reached memory.max ("
            + std::string(memory_max) + ")");
    }
    if (WIFSIGNALED(wait_status)) {
        const int sig = WTERMSIG(wait_status);
        if (sig == SIGSYS) {
            lines.push_back(vm + "the VMM was killed by signal " + signal_text(sig)
                + ": its seccomp filter caught a forbidden system call");
        } else if (!(oom && sig == SIGKILL)) {
            lines.push_back(vm + "the VMM was killed by signal " + signal_text(sig));
        }
    }
    return lines;
}

} // namespace jail
