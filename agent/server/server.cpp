// SPDX-License-Identifier: Apache-2.0
#include "agent/server/server.h"

#include "agent/protocol/codec.h"
#include "agent/protocol/frame_reader.h"
#include "agent/protocol/limits.h"
#include "agent/server/command.h"
#include "agent/server/session.h"
#include "agent/server/spawn.h"
#include "agent/server/users.h"
#include "agent/sys/fd.h"
#include "agent/sys/log.h"
#include "base/byte_queue.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <memory>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace agent::server {

using namespace agent::protocol;
using vmm::ByteQueue;

namespace {

/// The outgoing queue's high-water mark: above it the server stops reading the host and its
/// processes' output until the host reads (window updates alone cannot bound control replies).
constexpr size_t out_high_water = 1 << 20;

/// Blocks SIGCHLD and the stop signals into a signalfd and ignores SIGPIPE, for as long as it
/// lives.
class SignalScope {
public:
    static vmm::Result<std::unique_ptr<SignalScope>> create(const std::vector<int>& stop_signals)
    {
        auto scope = std::unique_ptr<SignalScope>(new SignalScope);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        for (int signo : stop_signals) {
            sigaddset(&set, signo);
        }
        if (::sigprocmask(SIG_BLOCK, &set, &scope->m_old_mask) < 0) {
            return vmm::Error::from_errno("sigprocmask");
        }
        scope->m_mask_saved = true;
        scope->m_fd.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
        if (!scope->m_fd.valid()) {
            return vmm::Error::from_errno("signalfd");
        }
        struct sigaction ignore { };
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        if (::sigaction(SIGPIPE, &ignore, &scope->m_old_pipe) == 0) {
            scope->m_pipe_saved = true;
        }
        return scope;
    }
    ~SignalScope()
    {
        if (m_pipe_saved) {
            ::sigaction(SIGPIPE, &m_old_pipe, nullptr);
        }
        if (m_mask_saved) {
            ::sigprocmask(SIG_SETMASK, &m_old_mask, nullptr);
        }
    }
    int fd() const { return m_fd.get(); }

private:
    SignalScope() = default;
    vmm::UniqueFd m_fd;
    sigset_t m_old_mask {};
    struct sigaction m_old_pipe { };
    bool m_mask_saved { false };
    bool m_pipe_saved { false };
};

class Server {
public:
    Server(vmm::UniqueFd connection, const ServerOptions& options, int signal_fd)
        : m_connection(std::move(connection))
        , m_options(options)
        , m_signal_fd(signal_fd)
    {
    }
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    StopReason run();

private:
    void read_connection(Clock::time_point now);
    void dispatch(const HostMessage& message, Clock::time_point now);
    void on_hello(const Hello& hello);
    void on_exec(const Exec& exec, Clock::time_point now);
    void refuse(uint32_t session, ErrorStage stage, int code, std::string message);
    void protocol_error(const char* what, int code = EPROTO);
    void read_signals(Clock::time_point now);
    void reap(Clock::time_point now);
    void flush();
    void flush_before_close();
    Session* find(uint32_t id);
    int poll_timeout(Clock::time_point now) const;
    void finish_sessions();

    vmm::UniqueFd m_connection;
    const ServerOptions& m_options;
    int m_signal_fd;
    FrameReader m_reader;
    ByteQueue m_out;
    bool m_hello { false };
    std::map<uint32_t, std::unique_ptr<Session>> m_sessions;
    std::optional<StopReason> m_stop;
};

Server::~Server()
{
    // Kill every remaining process group (the Session destructors), then reap the leaders.
    std::vector<pid_t> pids;
    for (const auto& [id, session] : m_sessions) {
        if (!session->reaped()) {
            pids.push_back(session->pid());
        }
    }
    m_sessions.clear();
    for (pid_t pid : pids) {
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) { }
    }
    while (::waitpid(-1, nullptr, WNOHANG) > 0) { } // orphans that died meanwhile
}

StopReason Server::run()
{
    encode(Hello { protocol_version, protocol_version, m_options.software }, m_out.buffer());
    std::vector<pollfd> fds;
    std::vector<Session::Watch> watches;
    while (!m_stop) {
        fds.clear();
        watches.clear();
        const bool room = m_out.size() < out_high_water;
        short connection_events = room ? POLLIN : 0;
        if (!m_out.empty()) {
            connection_events |= POLLOUT; // never 0: a full queue is not empty
        }
        fds.push_back({ .fd = m_signal_fd, .events = POLLIN, .revents = 0 });
        fds.push_back({ .fd = m_connection.get(), .events = connection_events, .revents = 0 });
        for (const auto& [id, session] : m_sessions) {
            session->watch(fds, watches, room);
        }
        const int ready = ::poll(fds.data(), fds.size(), poll_timeout(Clock::now()));
        if (ready < 0 && errno != EINTR) {
            AGENT_LOG_ERRNO("poll");
            m_stop = StopReason { StopCause::ConnectionClosed };
            break;
        }
        const auto now = Clock::now();
        if (ready > 0) {
            if (fds[0].revents != 0) {
                read_signals(now);
            }
            if ((fds[1].revents & POLLOUT) != 0) {
                flush();
            }
            if (room && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                read_connection(now);
            }
            for (size_t i = 0; i < watches.size() && !m_stop; ++i) {
                if (fds[2 + i].revents != 0) {
                    if (auto* session = find(watches[i].session)) {
                        session->on_ready(watches[i].role, m_out, now);
                    }
                }
            }
        }
        for (auto& [id, session] : m_sessions) {
            session->on_time(now);
        }
        finish_sessions();
        if (!m_out.empty() && !m_stop) {
            flush(); // most writes succeed at once; POLLOUT is the fallback
        }
    }
    if (m_stop->cause == StopCause::ProtocolError) {
        flush_before_close();
    }
    return *m_stop;
}

int Server::poll_timeout(Clock::time_point now) const
{
    std::optional<Clock::time_point> earliest;
    for (const auto& [id, session] : m_sessions) {
        if (auto deadline = session->next_deadline()) {
            earliest = earliest ? std::min(*earliest, *deadline) : *deadline;
        }
    }
    if (!earliest) {
        return -1;
    }
    if (*earliest <= now) {
        return 0;
    }
    // Rounded up, so that we wake after the deadline rather than spin just before it.
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*earliest - now).count();
    return static_cast<int>(std::min<int64_t>(wait, 60'000));
}

void Server::finish_sessions()
{
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        auto& session = *it->second;
        if (session.done()) {
            session.queue_exited(m_out);
        }
        if (session.done() || session.failed()) {
            it = m_sessions.erase(it);
        } else {
            ++it;
        }
    }
}

Session* Server::find(uint32_t id)
{
    auto it = m_sessions.find(id);
    return it == m_sessions.end() ? nullptr : it->second.get();
}

void Server::read_connection(Clock::time_point now)
{
    const auto space = m_reader.prepare(max_data_chunk);
    if (space.empty()) {
        return; // cannot happen: every whole frame is taken below
    }
    const ssize_t n = sys::read_some(m_connection.get(), space);
    if (n < 0 && errno == EAGAIN) {
        return;
    }
    if (n <= 0) {
        m_stop = StopReason { StopCause::ConnectionClosed };
        return;
    }
    m_reader.commit(static_cast<size_t>(n));
    while (!m_stop) {
        auto frame = m_reader.next();
        if (!frame) {
            protocol_error(describe(frame.error()));
            return;
        }
        if (!*frame) {
            return;
        }
        auto message = decode_host_message(**frame);
        if (!message) {
            protocol_error(describe(message.error()));
            return;
        }
        dispatch(*message, now);
    }
}

void Server::dispatch(const HostMessage& message, Clock::time_point now)
{
    if (!m_hello && !std::holds_alternative<Hello>(message)) {
        protocol_error("expected HELLO first");
        return;
    }
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, Hello>) {
                on_hello(m);
            } else if constexpr (std::is_same_v<T, Exec>) {
                on_exec(m, now);
            } else {
                // Messages for a session that ended are expected (they crossed its EXITED).
                Session* session = find(m.session);
                if (!session) {
                    return;
                }
                if constexpr (std::is_same_v<T, Stdin>) {
                    if (!session->on_stdin(m.data, m_out)) {
                        protocol_error("STDIN beyond the window");
                    }
                } else if constexpr (std::is_same_v<T, StdinEof>) {
                    session->on_stdin_eof(m_out);
                } else if constexpr (std::is_same_v<T, Signal>) {
                    session->on_signal(static_cast<int>(m.signo));
                } else if constexpr (std::is_same_v<T, Resize>) {
                    session->on_resize(m.rows, m.cols);
                } else if constexpr (std::is_same_v<T, OutputWindow>) {
                    if (!session->on_output_window(m.increment)) {
                        protocol_error("OUTPUT_WINDOW beyond the maximum window");
                    }
                }
            }
        },
        message);
}

void Server::on_hello(const Hello& hello)
{
    if (m_hello) {
        protocol_error("second HELLO");
        return;
    }
    if (hello.min_version > protocol_version || hello.max_version < protocol_version) {
        protocol_error("no common protocol version", EPROTONOSUPPORT);
        return;
    }
    m_hello = true;
}

void Server::on_exec(const Exec& exec, Clock::time_point now)
{
    if (m_sessions.contains(exec.session)) {
        refuse(exec.session, ErrorStage::Session, EEXIST, "session id already in use");
        return;
    }
    if (m_sessions.size() >= max_sessions) {
        refuse(exec.session, ErrorStage::Session, EAGAIN, "too many sessions");
        return;
    }
    const std::string passwd = read_small_file(m_options.passwd_path);
    SpawnRequest request;
    std::string home = "/";
    if (!exec.user.empty()) {
        auto credentials = resolve_user(exec.user, passwd, read_small_file(m_options.group_path));
        if (!credentials) {
            const int code = credentials.error();
            refuse(exec.session, ErrorStage::User, code,
                (code == ENOENT ? "unknown user or group: " : "invalid user: ") + exec.user);
            return;
        }
        home = credentials->home;
        request.credentials = std::move(credentials).value();
    } else if (auto self = find_passwd(passwd, {}, ::getuid()); self && !self->home.empty()) {
        home = self->home;
    }
    request.argv = exec.argv;
    request.env = build_environment(exec.env, home, exec.tty);
    const std::string* path = find_variable(request.env, "PATH");
    request.candidates
        = command_candidates(exec.argv[0], path ? std::string_view(*path).substr(5) : default_path);
    request.cwd = exec.cwd.empty() ? "/" : exec.cwd;
    request.tty = exec.tty;
    request.rows = exec.rows;
    request.cols = exec.cols;

    auto process = spawn(request);
    if (!process) {
        refuse(exec.session, ErrorStage::Spawn, process.error().sys_errno,
            "cannot start the command: " + process.error().message());
        return;
    }
    Session::Setup setup {
        .id = exec.session,
        .tty = exec.tty,
        .deadline = exec.timeout_ms == 0
            ? std::nullopt
            : std::optional(now + std::chrono::milliseconds(exec.timeout_ms)),
        .linger = m_options.linger,
        .argv0 = exec.argv[0],
        .cwd = request.cwd,
        .user = exec.user,
    };
    m_sessions.emplace(
        exec.session, std::make_unique<Session>(std::move(setup), std::move(*process)));
}

void Server::refuse(uint32_t session, ErrorStage stage, int code, std::string message)
{
    encode(ErrorReport { .session = session,
               .stage = stage,
               .code = static_cast<uint32_t>(code),
               .message = std::move(message) },
        m_out.buffer());
}

void Server::protocol_error(const char* what, int code)
{
    AGENT_LOG("protocol error from the host: %s", what);
    refuse(0, ErrorStage::Protocol, code, what);
    m_stop = StopReason { StopCause::ProtocolError };
}

void Server::read_signals(Clock::time_point now)
{
    signalfd_siginfo info;
    while (sys::read_some(m_signal_fd, std::as_writable_bytes(std::span(&info, 1)))
        == static_cast<ssize_t>(sizeof info)) {
        const int signo = static_cast<int>(info.ssi_signo);
        if (signo != SIGCHLD) {
            m_stop = StopReason { StopCause::Signal, signo };
        }
    }
    reap(now); // SIGCHLDs coalesce: always look for every exited child
}

void Server::reap(Clock::time_point now)
{
    while (true) {
        siginfo_t info {};
        // WNOWAIT first: while the leader is an unreaped zombie its process group id cannot be
        // reused, so killing the group is safe.
        if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0) {
            return;
        }
        const pid_t pid = info.si_pid;
        Session* owner = nullptr;
        for (auto& [id, session] : m_sessions) {
            if (session->pid() == pid && !session->reaped()) {
                owner = session.get();
            }
        }
        if (owner) {
            // What the command left behind in its group goes with it (like a hangup).
            ::kill(-pid, SIGKILL);
        }
        int status = 0;
        if (::waitpid(pid, &status, 0) < 0) {
            return;
        }
        if (owner) {
            owner->on_reaped(status, now);
        }
    }
}

void Server::flush()
{
    while (!m_out.empty()) {
        const ssize_t n = sys::write_some(m_connection.get(), m_out.front());
        if (n > 0) {
            m_out.consume(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return;
        }
        m_stop = StopReason { StopCause::ConnectionClosed };
        m_out.clear();
        return;
    }
}

void Server::flush_before_close()
{
    // Best effort, for at most a second: the host learns why we hang up.
    const auto until = Clock::now() + std::chrono::seconds(1);
    while (!m_out.empty()) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
        if (left.count() <= 0) {
            return;
        }
        pollfd fd { .fd = m_connection.get(), .events = POLLOUT, .revents = 0 };
        if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) {
            return;
        }
        const ssize_t n = sys::write_some(m_connection.get(), m_out.front());
        if (n <= 0 && errno != EAGAIN) {
            return;
        }
        if (n > 0) {
            m_out.consume(static_cast<size_t>(n));
        }
    }
}

} // namespace

vmm::Result<StopReason> serve(vmm::UniqueFd connection, const ServerOptions& options)
{
    sys::ensure_std_fds();
    TRY(sys::set_nonblocking(connection.get()));
    auto signals = TRY(SignalScope::create(options.stop_signals));
    StopReason reason;
    {
        Server server(std::move(connection), options, signals->fd());
        reason = server.run();
    }
    return reason;
}

} // namespace agent::server
