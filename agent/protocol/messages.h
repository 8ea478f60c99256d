// SPDX-License-Identifier: Apache-2.0
// The messages of the agent protocol as typed values (wire layout: docs/agent-protocol.md).
// Session 0 is reserved for the connection itself (HELLO, protocol errors).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace agent::protocol {

enum class MessageType : uint8_t {
    Hello = 0x01, // both directions, first on the connection
    // host → agent
    Exec = 0x10,
    Stdin = 0x11,
    StdinEof = 0x12,
    Signal = 0x13,
    Resize = 0x14,
    OutputWindow = 0x15,
    // agent → host
    Started = 0x20,
    Stdout = 0x21,
    Stderr = 0x22,
    Exited = 0x23,
    Error = 0x24,
    StdinWindow = 0x25,
};

/// The versions a side speaks. The agent sends its range first; the host answers with the one
/// version it chose (min == max).
struct Hello {
    uint32_t min_version { 0 };
    uint32_t max_version { 0 };
    std::string software; ///< Free-form, printable ASCII, e.g. "partvm-agent 1".
    friend bool operator==(const Hello&, const Hello&) = default;
};

/// Starts a session. In tty mode the command gets a pty of rows × cols as its controlling
/// terminal, and all its output is STDOUT.
struct Exec {
    uint32_t session { 0 }; ///< Chosen by the host, not 0, unique among running sessions.
    std::vector<std::string> argv; ///< argv[0] is looked up in the command's PATH.
    std::vector<std::string> env; ///< "NAME=value", over the agent's defaults (PATH, HOME, TERM).
    std::string cwd; ///< Empty: "/".
    std::string user; ///< Empty: the agent's own; "name", "uid", "name:group" or "uid:gid".
    bool tty { false };
    uint16_t rows { 0 };
    uint16_t cols { 0 };
    uint32_t timeout_ms { 0 }; ///< 0: none. Then the process group is killed (SIGKILL).
    friend bool operator==(const Exec&, const Exec&) = default;
};

/// Stream data. `data` views the frame it was decoded from (valid until the reader moves on).
struct Stdin {
    uint32_t session { 0 };
    std::span<const std::byte> data;
};

struct StdinEof {
    uint32_t session { 0 };
    friend bool operator==(const StdinEof&, const StdinEof&) = default;
};

/// Sent to the session's process group.
struct Signal {
    uint32_t session { 0 };
    uint32_t signo { 0 }; ///< 1..max_signal
    friend bool operator==(const Signal&, const Signal&) = default;
};

struct Resize {
    uint32_t session { 0 };
    uint16_t rows { 0 };
    uint16_t cols { 0 };
    friend bool operator==(const Resize&, const Resize&) = default;
};

/// Flow control: the receiver consumed `increment` more bytes, so the sender may send as many
/// more. OutputWindow counts STDOUT+STDERR bytes (host → agent), StdinWindow STDIN bytes.
struct OutputWindow {
    uint32_t session { 0 };
    uint32_t increment { 0 }; ///< 1..max_window
    friend bool operator==(const OutputWindow&, const OutputWindow&) = default;
};

struct StdinWindow {
    uint32_t session { 0 };
    uint32_t increment { 0 }; ///< 1..max_window
    friend bool operator==(const StdinWindow&, const StdinWindow&) = default;
};

/// The command was executed; sent before any of its output.
struct Started {
    uint32_t session { 0 };
    uint32_t pid { 0 }; ///< In the guest's PID namespace; informational.
    friend bool operator==(const Started&, const Started&) = default;
};

enum class Stream : uint8_t { Stdout, Stderr };

struct Output {
    uint32_t session { 0 };
    Stream stream { Stream::Stdout };
    std::span<const std::byte> data; ///< Views the frame, like Stdin::data.
};

/// The session's last message after STARTED: its process ended and its output was all sent.
struct Exited {
    uint32_t session { 0 };
    bool signaled { false }; ///< value is then the terminating signal, else the exit code
    uint32_t value { 0 }; ///< exit code 0..255, or signal 1..max_signal
    bool timed_out { false }; ///< killed because timeout_ms passed
    friend bool operator==(const Exited&, const Exited&) = default;
};

/// What was being done when an ERROR happened: with the errno it tells "command not found" from
/// "no such working directory".
enum class ErrorStage : uint8_t {
    Protocol = 0, ///< session 0: the peer broke the protocol; the connection closes next
    Session = 1, ///< bad session id, too many sessions
    Spawn = 2, ///< the agent could not create pipes, a pty or the process
    User = 3, ///< unknown user or group, or switching to it failed
    Cwd = 4, ///< chdir failed
    Exec = 5, ///< execve failed (ENOENT: command not found)
};
constexpr uint8_t max_error_stage = 5;

/// Instead of STARTED: the session never ran; nothing else follows for it.
struct ErrorReport {
    uint32_t session { 0 };
    ErrorStage stage { ErrorStage::Protocol };
    uint32_t code { 0 }; ///< A Linux errno value (0 when none applies).
    std::string message; ///< Printable ASCII (the encoder replaces anything else with '?').
    friend bool operator==(const ErrorReport&, const ErrorReport&) = default;
};

/// What the agent may receive, and what the host may receive.
using HostMessage = std::variant<Hello, Exec, Stdin, StdinEof, Signal, Resize, OutputWindow>;
using AgentMessage = std::variant<Hello, Started, Output, Exited, ErrorReport, StdinWindow>;

} // namespace agent::protocol
