// SPDX-License-Identifier: Apache-2.0
// Checks shared by the fuzz targets. A failed check traps, which libFuzzer reports as a crash.
#pragma once
#include "agent/protocol/codec.h"
#include "agent/protocol/frame_reader.h"
#include "agent/protocol/limits.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
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

/// Feeds the input to a FrameReader as a peer's bytes arrive, in reads of varying size, and calls
/// on_frame(const Frame&) for each whole frame until it returns false (the peer hangs up). The read
/// sizes come from the input's tail (FuzzedDataProvider takes integers from the end), so the stream
/// starts at the first byte, as the seeds' conversations do. Ends at the first bad length, as a
/// real connection would.
template<class OnFrame> void for_each_frame(const uint8_t* data, size_t size, OnFrame on_frame)
{
    FuzzedDataProvider in(data, size);
    const uint64_t sizes_word = in.ConsumeIntegral<uint64_t>();
    const auto stream = in.ConsumeRemainingBytes<std::byte>();
    uint8_t read_sizes[8];
    std::memcpy(read_sizes, &sizes_word, sizeof read_sizes);
    agent::protocol::FrameReader reader;
    size_t at = 0;
    size_t turn = 0;
    while (at < stream.size()) {
        const size_t step = 1 + read_sizes[turn++ % 8] * 37u;
        at += reader.feed(std::span(stream).subspan(at, std::min(step, stream.size() - at)));
        while (true) {
            auto frame = reader.next();
            if (!frame) {
                return;
            }
            if (!*frame) {
                break;
            }
            if ((*frame)->payload.size() + 1 > agent::protocol::max_frame_length) {
                __builtin_trap(); // The reader must never hand out more than a frame may hold.
            }
            if (!on_frame(**frame)) {
                return;
            }
        }
    }
}

} // namespace partvm_test
