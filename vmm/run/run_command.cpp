// SPDX-License-Identifier: Apache-2.0
#include "vmm/run/run_command.h"
#include "agent/client/client.h"
#include "agent/protocol/limits.h"
#include "base/log.h"
#include "base/stop_signals.h"
#include "vmm/cli/exit_status.h"
#include "vmm/run/preflight.h"
#include "vmm/run/terminal.h"
#include "vmm/run/vmm_process.h"

#include <climits>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fmt/core.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

namespace vmm {

namespace {

using Clock = std::chrono::steady_clock;

void report(std::string_view message)
{
    fmt::print(stderr, "partvm: {}\n", message);
}

/// The signals partvm run handles itself, blocked in every thread and read from a signalfd: the
/// stop signals, which it forwards to the command, plus SIGQUIT (forwarded too) and SIGWINCH (a
/// terminal resize).
sigset_t handled_signals()
{
    sigset_t signals = stop_signals();
    sigaddset(&signals, SIGQUIT);
    sigaddset(&signals, SIGWINCH);
    return signals;
}

/// partvm run's private directory: the VMM's vsock socket, and our listener for the agent at
/// "vsock_<agent port>", where the VMM sends the guest's connection. Removed with everything in it.
class RunDir {
public:
    static Result<RunDir> create()
    {
        const char* base = std::getenv("TMPDIR");
        std::string path = fmt::format("{}/partvm-XXXXXX", base && *base ? base : "/tmp");
        if (!::mkdtemp(path.data())) {
            return Error::from_errno("cannot create partvm run's directory");
        }
        return RunDir(std::move(path));
    }
    RunDir(RunDir&& other) noexcept
        : m_path(std::exchange(other.m_path, {}))
    {
    }
    ~RunDir()
    {
        if (!m_path.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(m_path, ignored);
        }
    }
    const std::string& path() const { return m_path; }

private:
    explicit RunDir(std::string path)
        : m_path(std::move(path))
    {
    }
    std::string m_path;
};

/// Listens at `path`, where the VMM forwards the guest's connections to one port.
Result<UniqueFd> listen_for_guest(const std::string& path)
{
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un address { .sun_family = AF_UNIX, .sun_path = {} };
    if (!fd.valid() || path.size() >= sizeof(address.sun_path)) {
        return Error::from_errno("agent socket");
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0
        || ::listen(fd.get(), 4) != 0) {
        return Error::from_errno("agent socket");
    }
    return fd;
}

/// How waiting for the agent ended.
struct Waited {
    enum class End { Connected, VmStopped, Interrupted, TimedOut };
    End end;
    UniqueFd agent {}; ///< Connected: the agent's connection.
    int signal { 0 }; ///< Interrupted: the stop signal that arrived.
};

/// Waits for the agent to connect, the VMM to end, a stop signal, or the deadline.
Waited wait_for_agent(VmmProcess& vmm, int listen_fd, int signal_fd, Clock::time_point deadline)
{
    pollfd fds[3]
        = { { listen_fd, POLLIN, 0 }, { vmm.exit_fd(), POLLIN, 0 }, { signal_fd, POLLIN, 0 } };
    while (true) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            return { Waited::End::TimedOut };
        }
        if (::poll(fds, 3, int(left.count())) < 0) {
            continue;
        }
        if (fds[0].revents & POLLIN) {
            UniqueFd agent(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
            if (agent.valid()) {
                return { Waited::End::Connected, std::move(agent) };
            }
        }
        if (fds[1].revents & POLLIN) {
            return { Waited::End::VmStopped };
        }
        if (fds[2].revents & POLLIN) {
            signalfd_siginfo info {};
            if (::read(signal_fd, &info, sizeof(info)) == sizeof(info)
                && info.ssi_signo != SIGWINCH) {
                return { Waited::End::Interrupted, {}, int(info.ssi_signo) };
            }
        }
    }
}

agent::protocol::Exec make_exec(const RunRequest& request, const Terminal* terminal)
{
    agent::protocol::Exec exec;
    exec.argv = request.command;
    exec.env = request.env;
    exec.cwd = request.workdir;
    exec.user = request.user;
    exec.timeout_ms = request.timeout_s * 1000;
    if (terminal) {
        exec.tty = true;
        auto [rows, cols] = terminal->size();
        exec.rows = rows;
        exec.cols = cols;
        if (const char* term = std::getenv("TERM")) {
            exec.env.insert(exec.env.begin(), fmt::format("TERM={}", term));
        }
    }
    return exec;
}

/// What the session's wake hook watches: one epoll fd, readable on a signal, on the VMM's end, or
/// when the watchdog fires.
struct SessionWatch {
    UniqueFd epoll;
    UniqueFd watchdog; ///< Armed only with --timeout.
};

Result<SessionWatch> watch_session(int signal_fd, int vmm_exit_fd, uint32_t timeout_s)
{
    UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll.valid()) {
        return Error::from_errno("cannot create the session's epoll instance");
    }
    UniqueFd watchdog(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!watchdog.valid()) {
        return Error::from_errno("cannot create the session's watchdog timer");
    }
    if (timeout_s > 0) {
        itimerspec when {};
        when.it_value.tv_sec = time_t(timeout_s) + 10; // The agent's own kill comes first.
        if (::timerfd_settime(watchdog.get(), 0, &when, nullptr) != 0) {
            return Error::from_errno("cannot arm the session's watchdog timer");
        }
    }
    for (int fd : { signal_fd, vmm_exit_fd, watchdog.get() }) {
        epoll_event event { .events = EPOLLIN, .data = { .fd = fd } };
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
            return Error::from_errno("cannot watch the session's signals, VMM and watchdog");
        }
    }
    return SessionWatch { std::move(epoll), std::move(watchdog) };
}

/// Runs the session; returns the exit status. Watches, besides the session: signals (forwarded
/// to the guest process; a second stop signal gives up on it), the VM stopping underneath, and a
/// host-side deadline a little after --timeout in case the guest stops answering.
int run_session(VmmProcess& vmm, const RunRequest& request, UniqueFd connection, int signal_fd,
    const Terminal* terminal)
{
    constexpr int agent_handshake_ms = 10'000;
    auto client = agent::client::Client::handshake(connection.get(), agent_handshake_ms);
    if (!client) {
        report(fmt::format("the guest agent did not answer: {}", client.error().message));
        return exit_run_failure;
    }

    auto watch = watch_session(signal_fd, vmm.exit_fd(), request.timeout_s);
    if (!watch) {
        report(watch.error().message());
        return exit_run_failure;
    }
    const int wake_fd = watch->epoll.get();

    enum class Abort { None, VmStopped, GaveUp, Watchdog };
    Abort abort = Abort::None;
    int stop_signal_count = 0;
    int last_signal = 0;
    agent::client::Hooks hooks;
    hooks.wake_fd = wake_fd;
    hooks.on_wake = [&](agent::client::Control& control) {
        epoll_event events[3];
        const int count = ::epoll_wait(wake_fd, events, 3, 0);
        for (int i = 0; i < count; ++i) {
            const int fd = events[i].data.fd;
            if (fd == signal_fd) {
                signalfd_siginfo info {};
                while (::read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
                    const int signal = int(info.ssi_signo);
                    if (signal == SIGWINCH && terminal) {
                        auto [rows, cols] = terminal->size();
                        control.resize(0, rows, cols);
                    } else if (signal != SIGWINCH) {
                        control.signal(0, signal); // Ctrl-C reaches the command, as in a shell.
                        last_signal = signal;
                        if (++stop_signal_count >= 2 && abort == Abort::None) {
                            abort = Abort::GaveUp; // The command ignores it: stop the VM.
                            ::shutdown(connection.get(), SHUT_RDWR);
                        }
                    }
                }
            } else if (abort == Abort::None) {
                abort = fd == vmm.exit_fd() ? Abort::VmStopped : Abort::Watchdog;
                ::shutdown(connection.get(), SHUT_RDWR); // Ends run() with a lost connection.
            }
        }
    };

    agent::client::SessionSpec session { .exec = make_exec(request, terminal),
        .stdin_fd = request.stdin_open ? STDIN_FILENO : -1,
        .stdout_fd = STDOUT_FILENO,
        .stderr_fd = STDERR_FILENO };
    auto results = client->run(std::span(&session, 1), hooks);
    switch (abort) {
    case Abort::VmStopped:
        report(fmt::format(
            "the VM stopped before the command finished: {}", describe_vmm_end(vmm.reap())));
        return exit_run_failure;
    case Abort::GaveUp:
        report("stopped: the command did not exit on the signal");
        return exit_for_signal(last_signal);
    case Abort::Watchdog:
        report(fmt::format("the command did not end within --timeout {} s", request.timeout_s));
        return exit_run_timeout;
    case Abort::None:
        break;
    }
    if (!results) {
        report(fmt::format("lost the guest agent: {}", results.error().message));
        return exit_run_failure;
    }
    const auto& result = results->front();
    if (result.error) {
        report(result.error->message);
    }
    return result.shell_status();
}

} // namespace

int run_command(const RunRequest& request)
{
    set_log_level(request.log_level);
    const sigset_t signals = handled_signals();
    ::pthread_sigmask(SIG_BLOCK, &signals, nullptr); // Before any thread: all inherit it.
    ::signal(SIGPIPE, SIG_IGN); // A closed stdout ends the output, not partvm.
    UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signal_fd.valid()) {
        report(Error::from_errno("cannot create partvm run's signalfd").message());
        return exit_run_failure;
    }

    auto dir = RunDir::create();
    if (!dir) {
        report(dir.error().message());
        return exit_run_failure;
    }
    VmmLaunch launch;
    launch.socket_dir = dir->path();
    // As root, the VMM goes to jail (partvm-jailer); otherwise it runs as the caller, still under
    // its seccomp filters.
    launch.jailed = request.jail && ::geteuid() == 0;
    std::string self(PATH_MAX, '\0');
    const ssize_t length = ::readlink("/proc/self/exe", self.data(), self.size());
    if (length <= 0) {
        report("cannot find partvm's own executable (/proc/self/exe)");
        return exit_run_failure;
    }
    self.resize(size_t(length));
    if (auto refused = preflight(request, launch, self)) {
        report(refused->message);
        return refused->exit_status;
    }
    launch.jail_id = fmt::format("run-{}-{}", ::getpid(), Clock::now().time_since_epoch().count());
    // The VMM's hybrid vsock socket is DIR/vsock (vmm_argv), so the agent's port lands here.
    const std::string agent_socket
        = fmt::format("{}/vsock_{}", dir->path(), agent::protocol::agent_vsock_port);
    auto listener = listen_for_guest(agent_socket);
    if (!listener) {
        report(listener.error().message());
        return exit_run_failure;
    }
    if (launch.jailed) {
        // The jailed VMM creates its socket here and connects to ours.
        if (::chown(dir->path().c_str(), launch.jail_uid, launch.jail_gid) != 0
            || ::chown(agent_socket.c_str(), launch.jail_uid, launch.jail_gid) != 0) {
            report(Error::from_errno("cannot hand the run directory to the jail").message());
            return exit_run_failure;
        }
    }

    std::optional<Terminal> terminal = request.tty ? Terminal::take(STDIN_FILENO) : std::nullopt;
    if (request.tty && !terminal) {
        report("-t needs a terminal on stdin");
        return exit_run_failure;
    }
    auto vmm = VmmProcess::spawn(vmm_argv(request, launch, self));
    if (!vmm) {
        report(vmm.error().message());
        return exit_run_failure;
    }
    int status = exit_run_failure;
    const auto deadline = Clock::now() + std::chrono::seconds(request.agent_timeout_s);
    Waited waited = wait_for_agent(*vmm, listener->get(), signal_fd.get(), deadline);
    switch (waited.end) {
    case Waited::End::Connected:
        status = run_session(*vmm, request, std::move(waited.agent), signal_fd.get(),
            terminal ? &*terminal : nullptr);
        break;
    case Waited::End::VmStopped:
        report(fmt::format(
            "the VM stopped before its agent connected: {}", describe_vmm_end(vmm->reap())));
        break;
    case Waited::End::Interrupted:
        status = exit_for_signal(waited.signal);
        break;
    case Waited::End::TimedOut:
        report(fmt::format("the guest agent did not connect within {} s (is partvm-agent the "
                           "rootfs's /init, with hv_sock?)",
            request.agent_timeout_s));
        break;
    }
    terminal.reset(); // The user's terminal back before anything else is printed.
    vmm->stop();
    return status;
}

} // namespace vmm
