// SPDX-License-Identifier: Apache-2.0
// What the guest agent receives from a hostile host: the frame reader (in fuzzer-chosen read
// sizes), the host-message decoder with byte-exact re-encoding, EXEC validation, and the
// agent's per-session window bookkeeping. (The server itself is not driven here: it would run
// whatever commands the fuzzer wrote. Its protocol-error paths are unit-tested.)
#include "agent/protocol/codec.h"
#include "agent/protocol/flow.h"
#include "agent/protocol/frame_reader.h"
#include "tests/fuzz/fuzz_support.h"

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

/// What the agent does with one frame from the host; false when it hangs up.
bool agent_takes(const Frame& frame, std::map<uint32_t, Windows>& sessions, bool& hello)
{
    auto message = decode_host_message(frame);
    if (!message) {
        return false; // the agent hangs up on the first bad message
    }
    check_reencodes(frame, *message);
    if (const auto* exec = std::get_if<Exec>(&*message)) {
        if (validate(*exec) || exec->argv.empty() || exec->session == 0) {
            __builtin_trap(); // decode validated it already
        }
        if (sessions.size() < max_sessions) {
            sessions.try_emplace(exec->session);
        }
    } else if (std::holds_alternative<Hello>(*message)) {
        if (hello) {
            return false;
        }
        hello = true;
    } else if (const auto* input = std::get_if<Stdin>(&*message)) {
        auto it = sessions.find(input->session);
        if (it == sessions.end()) {
            return true;
        }
        if (!it->second.stdin.receive(input->data.size())) {
            return false; // overrun: protocol error
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
                return false;
            }
            if (it->second.output.available() > max_window) {
                __builtin_trap();
            }
            it->second.output.spend(it->second.output.available() / 3);
        }
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::map<uint32_t, Windows> sessions;
    bool hello = false;
    partvm_test::for_each_frame(
        data, size, [&](const Frame& frame) { return agent_takes(frame, sessions, hello); });
    return 0;
}
