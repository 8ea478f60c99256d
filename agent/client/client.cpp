// SPDX-License-Identifier: Apache-2.0
#include "agent/client/client.h"

#include "agent/protocol/codec.h"
#include "agent/protocol/limits.h"
#include "agent/sys/fd.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace agent::client {

using namespace agent::protocol;
using vmm::ByteQueue;

namespace {

constexpr size_t out_high_water = 1 << 20;

vmm::Result<void, ClientError> fail(std::string message)
{
    return vmm::unexpected(ClientError { std::move(message) });
}

/// O_NONBLOCK on the local fds that are not terminals, restored when run() ends.
class NonblockingScope {
public:
    void add(int fd)
    {
        if (fd < 0 || ::isatty(fd)) {
            return;
        }
        for (const auto& [saved_fd, flags] : m_saved) {
            if (saved_fd == fd) {
                return;
            }
        }
        const int flags = ::fcntl(fd, F_GETFL);
        if (flags >= 0 && (flags & O_NONBLOCK) == 0
            && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0) {
            m_saved.emplace_back(fd, flags);
        }
    }
    ~NonblockingScope()
    {
        for (const auto& [fd, flags] : m_saved) {
            ::fcntl(fd, F_SETFL, flags);
        }
    }

private:
    std::vector<std::pair<int, int>> m_saved;
};

} // namespace

/// The state of one run(): local sessions, their buffers and fds, the poll loop.
class RunLoop final : public Control {
public:
    RunLoop(Client& client, std::span<const SessionSpec> specs, const Hooks& hooks)
        : m_client(client)
        , m_hooks(hooks)
    {
        m_sessions.reserve(specs.size());
        for (const auto& spec : specs) {
            m_sessions.push_back(Local { .spec = &spec });
        }
    }

    vmm::Result<std::vector<ExitResult>, ClientError> run();

    void resize(size_t index, uint16_t rows, uint16_t cols) override
    {
        if (index < m_sessions.size() && !m_sessions[index].ended) {
            encode(Resize { m_sessions[index].id, rows, cols }, out());
        }
    }
    void signal(size_t index, int signo) override
    {
        if (index < m_sessions.size() && !m_sessions[index].ended && signo > 0
            && static_cast<uint32_t>(signo) <= max_signal) {
            encode(Signal { m_sessions[index].id, static_cast<uint32_t>(signo) }, out());
        }
    }

private:
    struct Local {
        const SessionSpec* spec;
        uint32_t id { 0 };
        bool stdin_open { true };
        ByteQueue stdout_buffer {};
        ByteQueue stderr_buffer {};
        bool stdout_broken { false };
        bool stderr_broken { false };
        bool ended { false }; ///< EXITED or ERROR arrived
        ExitResult result {};
        bool complete() const { return ended && stdout_buffer.empty() && stderr_buffer.empty(); }
    };
    enum class Role : uint8_t { Stdin, Stdout, Stderr };
    struct Watch {
        size_t index;
        Role role;
    };

    std::vector<std::byte>& out() { return m_client.m_out.buffer(); }
    Local* by_id(uint32_t id);
    vmm::Result<void, ClientError> start();
    vmm::Result<void, ClientError> read_connection();
    vmm::Result<void, ClientError> handle(const AgentMessage& message);
    vmm::Result<void, ClientError> flush();
    void read_stdin(Local& local);
    void write_output(Local& local, Role role);
    void credit(Local& local, size_t size, bool drained);

    Client& m_client;
    const Hooks& m_hooks;
    std::vector<Local> m_sessions;
};

RunLoop::Local* RunLoop::by_id(uint32_t id)
{
    for (auto& local : m_sessions) {
        if (local.id == id && !local.ended) {
            return &local;
        }
    }
    return nullptr;
}

vmm::Result<void, ClientError> RunLoop::start()
{
    for (auto& local : m_sessions) {
        Exec exec = local.spec->exec;
        do {
            exec.session = m_client.m_next_session++;
        } while (exec.session == 0 || m_client.m_table.contains(exec.session));
        if (auto invalid = validate(exec)) {
            return fail(std::string("invalid command: ") + describe(*invalid));
        }
        local.id = exec.session;
        m_client.m_table.open(local.id);
        encode(exec, out());
        if (local.spec->stdin_fd < 0) {
            local.stdin_open = false;
            encode(StdinEof { local.id }, out());
        }
    }
    return {};
}

vmm::Result<std::vector<ExitResult>, ClientError> RunLoop::run()
{
    NonblockingScope nonblocking;
    for (const auto& local : m_sessions) {
        nonblocking.add(local.spec->stdin_fd);
        nonblocking.add(local.spec->stdout_fd);
        nonblocking.add(local.spec->stderr_fd);
    }
    TRY(start());

    std::vector<pollfd> fds;
    std::vector<Watch> watches;
    auto all_complete = [&] {
        for (const auto& local : m_sessions) {
            if (!local.complete()) {
                return false;
            }
        }
        return true;
    };
    while (!all_complete()) {
        TRY(flush());
        fds.clear();
        watches.clear();
        short connection_events = POLLIN;
        if (!m_client.m_out.empty()) {
            connection_events |= POLLOUT;
        }
        fds.push_back({ .fd = m_client.m_fd, .events = connection_events, .revents = 0 });
        fds.push_back(
            { .fd = m_hooks.on_wake ? m_hooks.wake_fd : -1, .events = POLLIN, .revents = 0 });
        const bool room = m_client.m_out.size() < out_high_water;
        for (size_t i = 0; i < m_sessions.size(); ++i) {
            auto& local = m_sessions[i];
            auto add = [&](int fd, short events, Role role) {
                fds.push_back({ .fd = fd, .events = events, .revents = 0 });
                watches.push_back({ i, role });
            };
            if (local.stdin_open && !local.ended && room
                && m_client.m_table.stdin_available(local.id) > 0) {
                add(local.spec->stdin_fd, POLLIN, Role::Stdin);
            }
            if (!local.stdout_buffer.empty()) {
                add(local.spec->stdout_fd, POLLOUT, Role::Stdout);
            }
            if (!local.stderr_buffer.empty()) {
                add(local.spec->stderr_fd, POLLOUT, Role::Stderr);
            }
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return vmm::unexpected(ClientError { std::string("poll: ") + std::strerror(errno) });
        }
        if ((fds[0].revents & POLLOUT) != 0) {
            TRY(flush());
        }
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            TRY(read_connection());
        }
        if (fds[1].revents != 0) {
            m_hooks.on_wake(*this);
        }
        for (size_t w = 0; w < watches.size(); ++w) {
            if (fds[2 + w].revents == 0) {
                continue;
            }
            auto& local = m_sessions[watches[w].index];
            if (watches[w].role == Role::Stdin) {
                read_stdin(local);
            } else {
                write_output(local, watches[w].role);
            }
        }
    }
    (void)flush(); // window updates for ended sessions: harmless if they stay queued
    std::vector<ExitResult> results;
    for (auto& local : m_sessions) {
        results.push_back(std::move(local.result));
    }
    return results;
}

vmm::Result<void, ClientError> RunLoop::flush()
{
    auto& queue = m_client.m_out;
    while (!queue.empty()) {
        const ssize_t n = sys::write_some(m_client.m_fd, queue.front());
        if (n > 0) {
            queue.consume(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            break;
        }
        return fail(std::string("writing to the agent: ") + std::strerror(errno));
    }
    return {};
}

vmm::Result<void, ClientError> RunLoop::read_connection()
{
    auto& reader = m_client.m_reader;
    const auto space = reader.prepare(max_data_chunk);
    const ssize_t n = space.empty() ? 0 : sys::read_some(m_client.m_fd, space);
    if (n < 0 && errno == EAGAIN) {
        return {};
    }
    if (n < 0) {
        return fail(std::string("reading from the agent: ") + std::strerror(errno));
    }
    if (n == 0) {
        return fail("the agent closed the connection");
    }
    reader.commit(static_cast<size_t>(n));
    while (true) {
        auto frame = reader.next();
        if (!frame) {
            return fail(std::string("agent protocol error: ") + describe(frame.error()));
        }
        if (!*frame) {
            return {};
        }
        auto message = decode_agent_message(**frame);
        if (!message) {
            return fail(std::string("agent protocol error: ") + describe(message.error()));
        }
        TRY(handle(*message));
    }
}

vmm::Result<void, ClientError> RunLoop::handle(const AgentMessage& message)
{
    if (const char* violation = m_client.m_table.accept(message)) {
        return fail(std::string("agent protocol error: ") + violation);
    }
    if (const auto* error = std::get_if<ErrorReport>(&message); error && error->session == 0) {
        return fail("the agent reported a protocol error: " + error->message);
    }
    // Valid per the table, so the session is one of ours unless an earlier run() left it.
    return std::visit(
        [&](const auto& m) -> vmm::Result<void, ClientError> {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, Hello>) {
                return {};
            } else {
                Local* local = by_id(m.session);
                if (!local) {
                    return {};
                }
                if constexpr (std::is_same_v<T, Started>) {
                    local->result.pid = m.pid;
                } else if constexpr (std::is_same_v<T, Output>) {
                    const bool to_stderr = m.stream == Stream::Stderr;
                    const int fd = to_stderr ? local->spec->stderr_fd : local->spec->stdout_fd;
                    const bool broken = to_stderr ? local->stderr_broken : local->stdout_broken;
                    if (fd < 0 || broken) {
                        credit(*local, m.data.size(), true);
                    } else {
                        (to_stderr ? local->stderr_buffer : local->stdout_buffer).append(m.data);
                    }
                } else if constexpr (std::is_same_v<T, Exited>) {
                    local->result.exited = m;
                    local->ended = true;
                } else if constexpr (std::is_same_v<T, ErrorReport>) {
                    local->result.error = m;
                    local->ended = true;
                }
                return {};
            }
        },
        message);
}

void RunLoop::credit(Local& local, size_t size, bool drained)
{
    if (const uint32_t increment = m_client.m_table.output_consumed(local.id, size, drained)) {
        encode(OutputWindow { local.id, increment }, out());
    }
}

void RunLoop::read_stdin(Local& local)
{
    const size_t want = std::min(m_client.m_table.stdin_available(local.id), max_data_chunk);
    if (want == 0) {
        return;
    }
    // Straight into the outgoing queue behind a header filled in afterwards.
    auto& buffer = out();
    const size_t start = buffer.size();
    buffer.resize(start + data_frame_overhead + want);
    const ssize_t n = sys::read_some(
        local.spec->stdin_fd, std::span(buffer).subspan(start + data_frame_overhead, want));
    if (n > 0) {
        buffer.resize(start + data_frame_overhead + static_cast<size_t>(n));
        encode_data_header(MessageType::Stdin, local.id, static_cast<size_t>(n),
            std::span(buffer).subspan(start, data_frame_overhead));
        m_client.m_table.stdin_sent(local.id, static_cast<size_t>(n));
        return;
    }
    buffer.resize(start);
    if (n < 0 && errno == EAGAIN) {
        return;
    }
    // EOF, or an error (EIO: the terminal hung up): either way no more input.
    local.stdin_open = false;
    encode(StdinEof { local.id }, out());
}

void RunLoop::write_output(Local& local, Role role)
{
    const bool is_stderr = role == Role::Stderr;
    auto& buffer = is_stderr ? local.stderr_buffer : local.stdout_buffer;
    const int fd = is_stderr ? local.spec->stderr_fd : local.spec->stdout_fd;
    size_t written = 0;
    while (!buffer.empty()) {
        const auto chunk = buffer.front();
        const ssize_t n = ::write(fd, chunk.data(), chunk.size());
        if (n > 0) {
            buffer.consume(static_cast<size_t>(n));
            written += static_cast<size_t>(n);
            if (::isatty(fd)) {
                break; // blocking: let the loop breathe between chunks
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            break;
        }
        // EPIPE or another hard error: this output goes nowhere from now on.
        written += buffer.size();
        buffer.clear();
        (is_stderr ? local.stderr_broken : local.stdout_broken) = true;
        if (errno == EPIPE && !local.ended) {
            encode(Signal { local.id, SIGPIPE }, out());
        }
    }
    credit(local, written, buffer.empty());
}

vmm::Result<Client, ClientError> Client::handshake(int fd, int timeout_ms)
{
    if (auto nonblocking = sys::set_nonblocking(fd); !nonblocking) {
        return vmm::unexpected(ClientError { nonblocking.error().message() });
    }
    Client client(fd);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
        auto frame = client.m_reader.next();
        if (!frame) {
            return vmm::unexpected(
                ClientError { std::string("agent protocol error: ") + describe(frame.error()) });
        }
        if (*frame) {
            auto message = decode_agent_message(**frame);
            if (!message || !std::holds_alternative<Hello>(*message)) {
                return vmm::unexpected(ClientError { "agent protocol error: expected HELLO" });
            }
            client.m_agent = std::get<Hello>(*message);
            break;
        }
        int wait = -1;
        if (timeout_ms >= 0) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return vmm::unexpected(ClientError { "timed out waiting for the agent's HELLO" });
            }
            wait = static_cast<int>(left.count());
        }
        pollfd pfd { .fd = fd, .events = POLLIN, .revents = 0 };
        if (::poll(&pfd, 1, wait) < 0 && errno != EINTR) {
            return vmm::unexpected(ClientError { std::string("poll: ") + std::strerror(errno) });
        }
        const ssize_t n = sys::read_some(fd, client.m_reader.prepare(max_data_chunk));
        if (n == 0) {
            return vmm::unexpected(ClientError { "the agent closed the connection" });
        }
        if (n < 0 && errno != EAGAIN) {
            return vmm::unexpected(
                ClientError { std::string("reading from the agent: ") + std::strerror(errno) });
        }
        client.m_reader.commit(n > 0 ? static_cast<size_t>(n) : 0);
    }
    const auto& agent = client.m_agent;
    if (agent.min_version > protocol_version || agent.max_version < protocol_version) {
        return vmm::unexpected(ClientError { "the agent speaks protocol versions "
            + std::to_string(agent.min_version) + ".." + std::to_string(agent.max_version)
            + ", we speak " + std::to_string(protocol_version) });
    }
    encode(Hello { protocol_version, protocol_version, "partvm" }, client.m_out.buffer());
    return client;
}

vmm::Result<std::vector<ExitResult>, ClientError> Client::run(
    std::span<const SessionSpec> sessions, const Hooks& hooks)
{
    RunLoop loop(*this, sessions, hooks);
    return loop.run();
}

vmm::Result<ExitResult, ClientError> run_session(int fd, const protocol::Exec& exec, int stdin_fd,
    int stdout_fd, int stderr_fd, const Hooks& hooks)
{
    auto client = TRY(Client::handshake(fd));
    const SessionSpec spec {
        .exec = exec, .stdin_fd = stdin_fd, .stdout_fd = stdout_fd, .stderr_fd = stderr_fd
    };
    auto results = TRY(client.run(std::span(&spec, 1), hooks));
    return std::move(results.front());
}

} // namespace agent::client
