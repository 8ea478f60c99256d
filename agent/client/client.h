// SPDX-License-Identifier: Apache-2.0
// The host's end of the agent protocol: given a connected stream fd to the agent, runs exec
// sessions and streams their stdio to and from local fds, with back-pressure both ways (a slow
// local stdout holds the guest process back; a slow guest process holds local stdin back).
//
// Local fds that are not terminals are switched to O_NONBLOCK while run() runs and restored
// after. Terminals stay blocking (their file description is shared with the user's shell): they
// are read only after poll() says so. Raw mode is the caller's job. A local stdout or stderr that
// fails with EPIPE discards further output, and the session gets SIGPIPE, as in a pipeline.
// Writes to local fds may raise SIGPIPE: callers that do not want to die of it ignore it.
#pragma once
#include "agent/client/exit_result.h"
#include "agent/client/session_table.h"
#include "agent/protocol/frame_reader.h"
#include "agent/protocol/messages.h"
#include "base/byte_queue.h"
#include "base/result.h"

#include <functional>
#include <span>
#include <string>
#include <vector>

namespace agent::client {

struct ClientError {
    std::string message;
};

/// One session to run. exec.session is assigned by the client.
struct SessionSpec {
    protocol::Exec exec;
    int stdin_fd { -1 }; ///< -1: no input (STDIN_EOF at once)
    int stdout_fd { -1 }; ///< -1: output is discarded
    int stderr_fd { -1 }; ///< unused in tty mode
};

/// Steers running sessions from a hook, by index into run()'s span. Calls for sessions that have
/// ended are ignored.
class Control {
public:
    virtual void resize(size_t index, uint16_t rows, uint16_t cols) = 0;
    virtual void signal(size_t index, int signo) = 0;

protected:
    ~Control() = default;
};

/// For interactive use: run() also polls `wake_fd` and calls `on_wake` when it is readable, e.g.
/// a signalfd of SIGWINCH (→ resize) and SIGINT/SIGTERM (→ signal). on_wake must consume what
/// made the fd readable.
struct Hooks {
    int wake_fd { -1 };
    std::function<void(Control&)> on_wake;
};

class Client {
public:
    /// Waits for the agent's HELLO (at most timeout_ms; < 0: for ever) and answers it. `fd` is
    /// borrowed: keep it open, and use it for nothing else, while the Client lives. It is made
    /// non-blocking.
    static vmm::Result<Client, ClientError> handshake(int fd, int timeout_ms = -1);

    /// The agent's HELLO.
    const protocol::Hello& agent() const { return m_agent; }

    /// Runs `sessions` concurrently until every one has ended and its output has been written.
    /// Results are in the same order. Fails on a protocol violation or a lost connection (the
    /// connection is then unusable).
    vmm::Result<std::vector<ExitResult>, ClientError> run(
        std::span<const SessionSpec> sessions, const Hooks& hooks = {});

private:
    explicit Client(int fd)
        : m_fd(fd)
    {
    }
    friend class RunLoop;

    int m_fd;
    protocol::Hello m_agent;
    protocol::FrameReader m_reader;
    vmm::ByteQueue m_out;
    SessionTable m_table;
    uint32_t m_next_session { 1 };
};

/// One session on a fresh connection: handshake, run, result.
vmm::Result<ExitResult, ClientError> run_session(int fd, const protocol::Exec& exec, int stdin_fd,
    int stdout_fd, int stderr_fd, const Hooks& hooks = {});

} // namespace agent::client
