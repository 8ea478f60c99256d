// SPDX-License-Identifier: Apache-2.0
#include "agent/server/session.h"

#include "agent/protocol/codec.h"
#include "agent/protocol/limits.h"
#include "agent/sys/fd.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace agent::server {

using namespace agent::protocol;
using vmm::ByteQueue;

void kill_group(pid_t pid, int signo)
{
    if (::kill(-pid, signo) < 0 && errno == ESRCH) {
        ::kill(pid, signo);
    }
}

Session::Session(Setup setup, SpawnedProcess process)
    : m_setup(std::move(setup))
    , m_process(std::move(process))
{
}

Session::~Session()
{
    if (!reaped()) {
        kill_group(m_process.pid, SIGKILL);
    }
}

bool Session::on_stdin(std::span<const std::byte> data, ByteQueue& out)
{
    if (!m_stdin_window.receive(data.size())) {
        return false;
    }
    if (m_process.input.valid() && !m_stdin_eof) {
        m_stdin.append(data);
        m_last_was_newline = data.empty() ? m_last_was_newline : data.back() == std::byte { '\n' };
        return true;
    }
    // Nowhere to go (the process closed its stdin, or the host already sent EOF): dropped, and
    // credited back so the host never stalls on it.
    m_stdin_window.consumed(data.size());
    after_input(out);
    return true;
}

void Session::on_stdin_eof(ByteQueue& out)
{
    m_stdin_eof = true;
    after_input(out);
}

void Session::on_signal(int signo)
{
    if (!reaped()) {
        kill_group(m_process.pid, signo);
    }
}

void Session::on_resize(uint16_t rows, uint16_t cols)
{
    if (m_setup.tty && m_process.output.valid()) {
        struct winsize size { };
        size.ws_row = rows;
        size.ws_col = cols;
        ::ioctl(m_process.output.get(), TIOCSWINSZ, &size); // the kernel sends SIGWINCH
    }
}

bool Session::on_output_window(uint32_t increment)
{
    return m_output_window.grant(increment);
}

void Session::watch(std::vector<pollfd>& fds, std::vector<Watch>& watches, bool room) const
{
    auto add = [&](const vmm::UniqueFd& fd, short events, Role role) {
        fds.push_back({ .fd = fd.get(), .events = events, .revents = 0 });
        watches.push_back({ m_setup.id, role });
    };
    if (m_state == State::Starting && m_process.status.valid()) {
        add(m_process.status, POLLIN, Role::Status);
    }
    if (m_process.input.valid() && (!m_stdin.empty() || m_veof_pending > 0)) {
        add(m_process.input, POLLOUT, Role::Input);
    }
    // Output waits for STARTED to be queued, so that it always comes first.
    if (m_state == State::Running && room && m_output_window.available() > 0) {
        if (m_process.output.valid()) {
            add(m_process.output, POLLIN, Role::Output);
        }
        if (m_process.errors.valid()) {
            add(m_process.errors, POLLIN, Role::Errors);
        }
    }
}

void Session::on_ready(Role role, ByteQueue& out, Clock::time_point now)
{
    switch (role) {
    case Role::Status:
        read_status(out);
        break;
    case Role::Input:
        write_input(out);
        break;
    case Role::Output:
        read_output(m_process.output, MessageType::Stdout, out, now);
        break;
    case Role::Errors:
        read_output(m_process.errors, MessageType::Stderr, out, now);
        break;
    }
}

void Session::read_status(ByteQueue& out)
{
    SpawnFailure failure;
    const ssize_t n
        = sys::read_some(m_process.status.get(), std::as_writable_bytes(std::span(&failure, 1)));
    if (n < 0 && errno == EAGAIN) {
        return;
    }
    m_process.status.reset();
    if (n == 0) {
        // execve() closed the pipe: the command runs.
        m_state = State::Running;
        encode(Started { .session = m_setup.id, .pid = static_cast<uint32_t>(m_process.pid) },
            out.buffer());
        return;
    }
    if (n != static_cast<ssize_t>(sizeof failure)) {
        failure = { static_cast<uint32_t>(ErrorStage::Spawn), static_cast<uint32_t>(EIO) };
    }
    m_state = State::Failed;
    const auto stage = static_cast<ErrorStage>(failure.stage);
    const int code = static_cast<int>(failure.code);
    std::string message;
    switch (stage) {
    case ErrorStage::Exec:
        message = m_setup.argv0 + (code == ENOENT ? ": command not found" : ": ");
        if (code != ENOENT) {
            message += std::strerror(code);
        }
        break;
    case ErrorStage::Cwd:
        message = "cannot change directory to " + m_setup.cwd + ": " + std::strerror(code);
        break;
    case ErrorStage::User:
        message = "cannot switch to user " + m_setup.user + ": " + std::strerror(code);
        break;
    default:
        message = std::string("cannot start the command: ") + std::strerror(code);
        break;
    }
    encode(ErrorReport { .session = m_setup.id,
               .stage = stage,
               .code = failure.code,
               .message = std::move(message) },
        out.buffer());
}

void Session::write_input(ByteQueue& out)
{
    while (!m_stdin.empty() && m_process.input.valid()) {
        const auto chunk = m_stdin.front();
        const ssize_t n = ::write(m_process.input.get(), chunk.data(), chunk.size());
        if (n > 0) {
            m_stdin.consume(static_cast<size_t>(n));
            m_stdin_window.consumed(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            break;
        }
        // EPIPE (the reader is gone) or EIO (the pty's other side is gone): drop the rest.
        m_stdin_window.consumed(m_stdin.size());
        m_stdin.clear();
        close_input();
    }
    if (m_stdin.empty() && m_veof_pending > 0 && m_process.input.valid()) {
        const std::byte veof[2] = { m_veof, m_veof };
        const ssize_t n = ::write(m_process.input.get(), veof, m_veof_pending);
        if (n > 0) {
            m_veof_pending -= static_cast<uint8_t>(n);
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            m_veof_pending = 0;
        }
    }
    after_input(out);
}

void Session::after_input(ByteQueue& out)
{
    if (m_stdin_eof && m_stdin.empty() && m_process.input.valid()) {
        if (!m_setup.tty) {
            close_input();
        } else if (!m_eof_queued) {
            // A pty has no EOF of its own: the line discipline turns VEOF (^D) at the start of
            // a line into one. A partial line needs a first VEOF to flush it.
            struct termios modes { };
            if (::tcgetattr(m_process.input.get(), &modes) == 0) {
                m_veof = std::byte { modes.c_cc[VEOF] };
            }
            m_veof_pending = m_last_was_newline ? 1 : 2;
            m_eof_queued = true;
        } else if (m_veof_pending == 0) {
            close_input();
        }
    }
    if (const uint32_t credit = m_stdin_window.take_update(m_stdin.empty())) {
        encode(StdinWindow { .session = m_setup.id, .increment = credit }, out.buffer());
    }
}

void Session::close_input()
{
    m_process.input.reset();
}

void Session::read_output(
    vmm::UniqueFd& fd, MessageType type, ByteQueue& out, Clock::time_point now)
{
    const size_t want = std::min(m_output_window.available(), max_data_chunk);
    if (want == 0 || !fd.valid()) {
        return;
    }
    // Read straight into the outgoing queue behind a frame header filled in afterwards.
    auto& buffer = out.buffer();
    const size_t start = buffer.size();
    buffer.resize(start + data_frame_overhead + want);
    const ssize_t n
        = sys::read_some(fd.get(), std::span(buffer).subspan(start + data_frame_overhead, want));
    if (n > 0) {
        buffer.resize(start + data_frame_overhead + static_cast<size_t>(n));
        encode_data_header(type, m_setup.id, static_cast<size_t>(n),
            std::span(buffer).subspan(start, data_frame_overhead));
        m_output_window.spend(static_cast<size_t>(n));
        if (m_linger_until) {
            m_linger_until = now + m_setup.linger; // still flowing
        }
        return;
    }
    buffer.resize(start);
    if (n < 0 && errno == EAGAIN) {
        return;
    }
    // EOF, or EIO from a pty master once every slave fd is closed.
    if (m_setup.tty) {
        // Closing the master hangs the terminal up: SIGHUP to a process that closed its stdio
        // but has not exited yet. Held until the session goes.
        m_pty_held = std::move(fd);
        close_input();
    }
    fd.reset();
}

void Session::on_reaped(int wait_status, Clock::time_point now)
{
    m_wait_status = wait_status;
    m_linger_until = now + m_setup.linger;
}

std::optional<Clock::time_point> Session::next_deadline() const
{
    if (!reaped() && !m_timed_out && m_setup.deadline) {
        return m_setup.deadline;
    }
    if (reaped() && (m_process.output.valid() || m_process.errors.valid())) {
        return m_linger_until;
    }
    return std::nullopt;
}

void Session::on_time(Clock::time_point now)
{
    if (!reaped() && !m_timed_out && m_setup.deadline && now >= *m_setup.deadline) {
        kill_group(m_process.pid, SIGKILL);
        m_timed_out = true;
    }
    // Something that left the process group (setsid, a daemon) may hold the output open for
    // ever: once the process is gone and nothing came for the linger time, stop waiting. Not
    // while the host holds back the window: then we wait on the host, not on the pipe.
    if (reaped() && m_linger_until && now >= *m_linger_until && m_output_window.available() > 0) {
        m_process.output.reset();
        m_process.errors.reset();
    }
}

bool Session::done() const
{
    return m_state == State::Running && reaped() && !m_process.output.valid()
        && !m_process.errors.valid();
}

void Session::queue_exited(ByteQueue& out) const
{
    const int status = *m_wait_status;
    const bool signaled = WIFSIGNALED(status);
    encode(Exited { .session = m_setup.id,
               .signaled = signaled,
               .value = static_cast<uint32_t>(signaled ? WTERMSIG(status) : WEXITSTATUS(status)),
               .timed_out = m_timed_out },
        out.buffer());
}

} // namespace agent::server
