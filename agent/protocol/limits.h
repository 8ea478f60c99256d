// SPDX-License-Identifier: Apache-2.0
// Constants of the partvm agent protocol, version 1 (docs/agent-protocol.md). Both ends enforce
// every limit on what they receive; a violation is a protocol error that ends the connection.
#pragma once
#include <cstddef>
#include <cstdint>

namespace agent::protocol {

/// The only version so far; HELLO carries the range each side speaks.
constexpr uint32_t protocol_version = 1;

/// The agent connects to the host (CID 2) on this port.
constexpr uint32_t host_cid = 2; // VMADDR_CID_HOST
constexpr uint32_t agent_vsock_port = 10000;

/// A frame is {u32 length, u8 type, payload}; `length` counts the type byte and the payload.
constexpr size_t frame_header_size = 4;
constexpr uint32_t max_frame_length = 1u << 20;
constexpr size_t max_payload_size = max_frame_length - 1;

/// The most data a sender puts in one STDIN/STDOUT/STDERR frame, so that one busy session cannot
/// delay the others' frames for long. Receivers accept up to a whole frame.
constexpr size_t max_data_chunk = 64 * 1024;

// EXEC limits. Each string is also bounded by the frame.
constexpr size_t max_argc = 4096;
constexpr size_t max_envc = 4096;
constexpr size_t max_arg_length = 128 * 1024; // Linux MAX_ARG_STRLEN
constexpr size_t max_path_length = 4096; // PATH_MAX
constexpr size_t max_user_length = 256;
constexpr size_t max_software_length = 256; // HELLO's free-form name
constexpr size_t max_message_length = 1024; // ERROR's text

/// Sessions one connection may have running at once.
constexpr uint32_t max_sessions = 64;

/// Flow control: per session and direction, the receiver lets the sender have this many bytes of
/// stream data in flight before the first window update; updates are additive.
constexpr uint32_t initial_window = 256 * 1024;
/// No sender may ever be owed more than this (guards the arithmetic and the buffers).
constexpr uint32_t max_window = 16u << 20;

/// Signal numbers SIGNAL and EXITED may carry (Linux: 1..64).
constexpr uint32_t max_signal = 64;

} // namespace agent::protocol
