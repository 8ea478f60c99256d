// SPDX-License-Identifier: Apache-2.0
// Helpers for the storvsp tests: bytes written as hex, and packets as Linux's storvsc builds them.
#pragma once
#include "vmbus-lite/storvsp/vstor_packet.h"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace storvsp_test {

/// Bytes from hex digits; spaces are ignored so that fields can be set apart.
inline std::vector<std::byte> hex(std::string_view text)
{
    std::vector<std::byte> bytes;
    int high = -1;
    for (const char c : text) {
        if (c == ' ') {
            continue;
        }
        const int nibble = c <= '9' ? c - '0' : c - 'a' + 10;
        if (high < 0) {
            high = nibble;
        } else {
            bytes.push_back(static_cast<std::byte>(high << 4 | nibble));
            high = -1;
        }
    }
    return bytes;
}

inline std::vector<std::byte> to_vector(std::span<const std::byte> bytes)
{
    return { bytes.begin(), bytes.end() };
}

/// A 64-byte vstor_packet with `operation`, REQUEST_COMPLETION_FLAG and the given payload bytes at
/// packet offset 12, the rest zero: what storvsc_execute_vstor_op and storvsc_queuecommand send.
inline std::vector<std::byte> guest_packet(
    vmbus::storvsp::Operation operation, std::vector<std::byte> payload = {})
{
    std::vector<std::byte> bytes(vmbus::storvsp::vstor_packet_size);
    bytes[0] = static_cast<std::byte>(operation);
    bytes[4] = std::byte { 1 };
    for (size_t i = 0; i < payload.size() && 12 + i < bytes.size(); ++i) {
        bytes[12 + i] = payload[i];
    }
    return bytes;
}

} // namespace storvsp_test
