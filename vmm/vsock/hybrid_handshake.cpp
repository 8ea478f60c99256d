// SPDX-License-Identifier: Apache-2.0
#include "vmm/vsock/hybrid_handshake.h"

#include <charconv>
#include <fmt/core.h>

namespace vmm {

std::variant<NeedMore, ConnectRequest, BadRequest> parse_connect_request(std::string_view received)
{
    const size_t newline = received.find('\n');
    if (newline == std::string_view::npos) {
        if (received.size() >= max_connect_line) {
            return BadRequest {};
        }
        return NeedMore {};
    }
    if (newline >= max_connect_line) {
        return BadRequest {};
    }
    std::string_view line = received.substr(0, newline);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    constexpr std::string_view verb = "CONNECT";
    if (!line.starts_with(verb) || line.size() == verb.size() || line[verb.size()] != ' ') {
        return BadRequest {};
    }
    line.remove_prefix(verb.size());
    while (!line.empty() && line.front() == ' ') {
        line.remove_prefix(1);
    }
    uint32_t port = 0;
    const char* end = line.data() + line.size();
    auto [ptr, error] = std::from_chars(line.data(), end, port);
    if (line.empty() || error != std::errc {} || ptr != end) {
        return BadRequest {};
    }
    return ConnectRequest { port, std::string(received.substr(newline + 1)) };
}

std::string ok_line(uint32_t local_port)
{
    return fmt::format("OK {}\n", local_port);
}

} // namespace vmm
