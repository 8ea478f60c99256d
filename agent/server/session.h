// SPDX-License-Identifier: Apache-2.0
// One exec session in the agent: its process, its stdio fds, its two flow-control windows, and
// the messages it owes the host. The server's loop polls the fds a session asks for and hands
// back readiness, exits and timer expiries; the session queues frames into the connection's
// outgoing queue.
#pragma once
#include "agent/protocol/flow.h"
#include "agent/protocol/messages.h"
#include "agent/server/spawn.h"
#include "base/byte_queue.h"

#include <chrono>
#include <optional>
#include <poll.h>
#include <string>
#include <vector>

namespace agent::server {

using Clock = std::chrono::steady_clock;

/// Signals the process group `pid` leads, or the process alone before its setsid().
void kill_group(pid_t pid, int signo);

class Session {
public:
    enum class Role : uint8_t { Status, Input, Output, Errors };
    struct Watch {
        uint32_t session;
        Role role;
    };

    struct Setup {
        uint32_t id { 0 };
        bool tty { false };
        std::optional<Clock::time_point> deadline;
        std::chrono::milliseconds linger { 2000 };
        std::string argv0; ///< For ERROR messages.
        std::string cwd;
        std::string user;
    };
    Session(Setup setup, SpawnedProcess process);
    /// Kills the process group if it has not been reaped; the server reaps it.
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    uint32_t id() const { return m_setup.id; }
    pid_t pid() const { return m_process.pid; }
    bool reaped() const { return m_wait_status.has_value(); }

    // From the host. on_stdin() and on_output_window() return false on a window violation.
    bool on_stdin(std::span<const std::byte> data, vmm::ByteQueue& out);
    void on_stdin_eof(vmm::ByteQueue& out);
    void on_signal(int signo);
    void on_resize(uint16_t rows, uint16_t cols);
    bool on_output_window(uint32_t increment);

    /// Adds the fds this session can act on now (never one it would not service: poll reports
    /// POLLHUP even for no events, which would spin).
    void watch(std::vector<pollfd>& fds, std::vector<Watch>& watches, bool room_for_output) const;
    void on_ready(Role role, vmm::ByteQueue& out, Clock::time_point now);
    /// The process was reaped with this wait status.
    void on_reaped(int wait_status, Clock::time_point now);
    std::optional<Clock::time_point> next_deadline() const;
    void on_time(Clock::time_point now);

    /// ERROR was sent instead of STARTED: the server drops the session (the reaper takes the
    /// child, which exits by itself).
    bool failed() const { return m_state == State::Failed; }
    /// Reaped and all output queued: the server sends EXITED and drops the session.
    bool done() const;
    void queue_exited(vmm::ByteQueue& out) const;

private:
    enum class State { Starting, Running, Failed };

    void read_status(vmm::ByteQueue& out);
    void write_input(vmm::ByteQueue& out);
    void after_input(vmm::ByteQueue& out);
    void read_output(
        vmm::UniqueFd& fd, protocol::MessageType type, vmm::ByteQueue& out, Clock::time_point now);
    void close_input();

    Setup m_setup;
    SpawnedProcess m_process;
    State m_state { State::Starting };

    vmm::ByteQueue m_stdin;
    protocol::ReceiveWindow m_stdin_window;
    bool m_stdin_eof { false }; ///< The host sent STDIN_EOF.
    bool m_eof_queued { false }; ///< tty mode: VEOF was scheduled.
    uint8_t m_veof_pending { 0 }; ///< tty mode: VEOF bytes still to write after m_stdin.
    std::byte m_veof { 4 }; ///< ^D unless the pty says otherwise
    bool m_last_was_newline { true }; ///< tty mode: how many VEOFs end the input.

    vmm::UniqueFd m_pty_held; ///< tty mode: the master after EIO, kept open (no hangup)
    protocol::SendWindow m_output_window;
    std::optional<int> m_wait_status;
    bool m_timed_out { false };
    std::optional<Clock::time_point> m_linger_until;
};

} // namespace agent::server
