// SPDX-License-Identifier: Apache-2.0
// Encoding and decoding of agent-protocol frames. Pure: no I/O, no state. Decoders take a frame
// from FrameReader and check every length, count and value against limits.h; the bytes are
// hostile in both directions.
#pragma once
#include "agent/protocol/messages.h"
#include "base/result.h"

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace agent::protocol {

/// One frame's type byte and payload, viewing the reader's buffer.
struct Frame {
    uint8_t type { 0 };
    std::span<const std::byte> payload;
};

enum class DecodeError : uint8_t {
    BadLength, ///< A frame length of 0 or over max_frame_length: the stream cannot be resynced.
    UnknownType, ///< Not a type this direction carries.
    Truncated, ///< The payload ends inside a field.
    TrailingBytes, ///< The payload goes on after the last field.
    LimitExceeded, ///< A count or string over its limit.
    InvalidValue, ///< A field with a value it cannot have (session 0, NUL in argv, ...).
};

/// A short English description, for logs and ERROR messages.
const char* describe(DecodeError error);

// Each encode() appends one whole frame to `out`. Callers keep to the limits (validate() checks
// an Exec); ERROR messages are truncated to max_message_length and made printable.
void encode(const Hello& message, std::vector<std::byte>& out);
void encode(const Exec& message, std::vector<std::byte>& out);
void encode(const Stdin& message, std::vector<std::byte>& out);
void encode(const StdinEof& message, std::vector<std::byte>& out);
void encode(const Signal& message, std::vector<std::byte>& out);
void encode(const Resize& message, std::vector<std::byte>& out);
void encode(const OutputWindow& message, std::vector<std::byte>& out);
void encode(const Started& message, std::vector<std::byte>& out);
void encode(const Output& message, std::vector<std::byte>& out);
void encode(const Exited& message, std::vector<std::byte>& out);
void encode(const ErrorReport& message, std::vector<std::byte>& out);
void encode(const StdinWindow& message, std::vector<std::byte>& out);
void encode(const HostMessage& message, std::vector<std::byte>& out);
void encode(const AgentMessage& message, std::vector<std::byte>& out);

/// The bytes a STDIN/STDOUT/STDERR frame puts before its data: length, type, session.
constexpr size_t data_frame_overhead = 4 + 1 + 4;
/// Writes that header for `size` bytes of data, for senders that read data straight into the
/// frame: reserve data_frame_overhead bytes, read after them, then fill them in.
void encode_data_header(MessageType type, uint32_t session, size_t size, std::span<std::byte> out);

/// The checks decode applies to an EXEC, for a host that builds one from user input.
std::optional<DecodeError> validate(const Exec& message);

/// What the agent accepts from the host.
vmm::Result<HostMessage, DecodeError> decode_host_message(const Frame& frame);
/// What the host accepts from the agent.
vmm::Result<AgentMessage, DecodeError> decode_agent_message(const Frame& frame);

} // namespace agent::protocol
