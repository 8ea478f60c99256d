// SPDX-License-Identifier: Apache-2.0
// The hybrid vsock handshake (Firecracker's docs/vsock.md, also OpenVMM's): a host program
// connected to the VM's Unix socket writes "CONNECT <port>\n" to reach the guest socket
// listening on <port>; the VMM answers "OK <host port>\n" once connected, or closes the socket.
// Pure.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace vmm {

/// A CONNECT line longer than this is not one.
constexpr size_t max_connect_line = 64;

struct ConnectRequest {
    uint32_t port;
    std::string early_data; ///< Bytes the client sent after the line: the stream's first.
};
struct NeedMore { };
struct BadRequest { };

/// Parses what a client sent so far: "CONNECT", one or more spaces, a decimal port that fits
/// 32 bits, "\n" (a "\r" before it is tolerated).
std::variant<NeedMore, ConnectRequest, BadRequest> parse_connect_request(std::string_view received);

/// "OK <port>\n".
std::string ok_line(uint32_t local_port);

} // namespace vmm
