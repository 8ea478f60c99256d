// SPDX-License-Identifier: Apache-2.0
// What the guest agent receives from a hostile host: the frame reader (in fuzzer-chosen read
// sizes), the host-message decoder with byte-exact re-encoding, EXEC validation, and the
// agent's per-session window bookkeeping. (The server itself is not driven here: it would run
// whatever commands the fuzzer wrote. Its protocol-error paths are unit-tested.)
#include "agent/protocol/codec.h"
#include "agent/protocol/flow.h"
#include "agent/protocol/frame_reader.h"
#include "tests/fuzz/fuzz_support.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstring>

#include <map>

using namespace agent::protocol;
using partvm_test::check_reencodes;

namespace {

/// The agent's view of its sessions' windows, as the server keeps it.
struct Windows {
    ReceiveWindow stdin;
    SendWindow output;
    size_t buffered { 0 };
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzedDataProvider in(data, size);
    // Read sizes come from the tail (FuzzedDataProvider takes integers from the end), so the
    // stream starts at the first byte, as the seeds' conversations do.
    const uint64_t sizes_word = in.ConsumeIntegral<uint64_t>();
    const auto stream = in.ConsumeRemainingBytes<std::byte>();
    uint8_t read_sizes[8];
    std::memcpy(read_sizes, &sizes_word, sizeof read_sizes);
    FrameReader reader;
    std::map<uint32_t, Windows> sessions;
    bool hello = false;
    size_t at = 0;
    size_t turn = 0;
    while (at < stream.size()) {
        const size_t step = 1 + read_sizes[turn++ % 8] * 37u;
        at += reader.feed(std::span(stream).subspan(at, std::min(step, stream.size() - at)));
        while (true) {
            auto frame = reader.next();
            if (!frame) {
                return 0;
            }
            if (!*frame) {
                break;
            }
            auto message = decode_host_message(**frame);
            if (!message) {
                return 0; // the agent hangs up on the first bad message
            }
            check_reencodes(**frame, *message);
            if (const auto* exec = std::get_if<Exec>(&*message)) {
                if (validate(*exec) || exec->argv.empty() || exec->session == 0) {
                    __builtin_trap(); // decode validated it already
                }
                if (sessions.size() < max_sessions) {
                    sessions.try_emplace(exec->session);
                }
            } else if (std::holds_alternative<Hello>(*message)) {
                if (hello) {
                    return 0;
                }
                hello = true;
            } else if (const auto* input = std::get_if<Stdin>(&*message)) {
                auto it = sessions.find(input->session);
                if (it == sessions.end()) {
                    continue;
                }
                if (!it->second.stdin.receive(input->data.size())) {
                    return 0; // overrun: protocol error
                }
                it->second.buffered += input->data.size();
                if (it->second.buffered > initial_window) {
                    __builtin_trap(); // the window bounds what the agent buffers
                }
                // The process reads half of it.
                const size_t taken = it->second.buffered / 2;
                it->second.buffered -= taken;
                it->second.stdin.consumed(taken);
                (void)it->second.stdin.take_update(it->second.buffered == 0);
            } else if (const auto* window = std::get_if<OutputWindow>(&*message)) {
                auto it = sessions.find(window->session);
                if (it != sessions.end()) {
                    if (!it->second.output.grant(window->increment)) {
                        return 0;
                    }
                    if (it->second.output.available() > max_window) {
                        __builtin_trap();
                    }
                    it->second.output.spend(it->second.output.available() / 3);
                }
            }
        }
    }
    return 0;
}
