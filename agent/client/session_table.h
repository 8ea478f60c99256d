// SPDX-License-Identifier: Apache-2.0
// The host's protocol view of its sessions. Every message from the agent is checked here before
// the client acts on it, so a hostile agent cannot send output it was not granted window for,
// talk about sessions that do not exist, or end one twice. Pure: fuzzed on raw bytes.
#pragma once
#include "agent/protocol/flow.h"
#include "agent/protocol/messages.h"

#include <cstddef>
#include <cstdint>
#include <map>

namespace agent::client {

class SessionTable {
public:
    /// EXEC for `id` was queued.
    void open(uint32_t id);
    bool contains(uint32_t id) const { return m_sessions.contains(id); }
    size_t size() const { return m_sessions.size(); }

    /// Checks a message from the agent and applies it: nullptr if it is valid, else what is wrong
    /// (a protocol violation: drop the connection). EXITED and ERROR end their session here;
    /// ERROR for session 0 is valid (the agent's own protocol error) and changes nothing.
    const char* accept(const protocol::AgentMessage& message);

    /// `size` bytes of `id`'s output left our buffers. Returns the window credit to send now
    /// (0: none due, or the session has ended).
    uint32_t output_consumed(uint32_t id, size_t size, bool drained);

    /// STDIN bytes the agent accepts for `id` now (0 for an ended session).
    size_t stdin_available(uint32_t id) const;
    void stdin_sent(uint32_t id, size_t size);

private:
    struct State {
        bool started { false };
        protocol::ReceiveWindow output;
        protocol::SendWindow stdin;
    };
    State* find(uint32_t id);
    std::map<uint32_t, State> m_sessions;
};

} // namespace agent::client
