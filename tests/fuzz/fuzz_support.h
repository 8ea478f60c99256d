// SPDX-License-Identifier: Apache-2.0
// Checks shared by the fuzz targets. A failed check traps, which libFuzzer reports as a crash.
#pragma once
#include "agent/protocol/codec.h"
#include "agent/protocol/limits.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace partvm_test {

/// encode(decode(frame)) must give back the frame: the agent protocol has one encoding per
/// message, in both directions (`Message` is a HostMessage or an AgentMessage).
template<class Message>
void check_reencodes(const agent::protocol::Frame& frame, const Message& message)
{
    std::vector<std::byte> wire;
    agent::protocol::encode(message, wire);
    if (wire.size() != agent::protocol::frame_header_size + 1 + frame.payload.size()
        || static_cast<uint8_t>(wire[4]) != frame.type
        || !std::equal(frame.payload.begin(), frame.payload.end(), wire.begin() + 5)) {
        __builtin_trap();
    }
}

} // namespace partvm_test
