// SPDX-License-Identifier: Apache-2.0
#include "agent/client/session_table.h"

namespace agent::client {

using namespace agent::protocol;

void SessionTable::open(uint32_t id)
{
    m_sessions[id] = State {};
}

SessionTable::State* SessionTable::find(uint32_t id)
{
    auto it = m_sessions.find(id);
    return it == m_sessions.end() ? nullptr : &it->second;
}

const char* SessionTable::accept(const AgentMessage& message)
{
    if (std::holds_alternative<Hello>(message)) {
        return "HELLO after the handshake";
    }
    if (const auto* error = std::get_if<ErrorReport>(&message); error && error->session == 0) {
        return nullptr;
    }
    const uint32_t id = std::visit(
        [](const auto& m) -> uint32_t {
            if constexpr (std::is_same_v<std::decay_t<decltype(m)>, Hello>) {
                return 0;
            } else {
                return m.session;
            }
        },
        message);
    State* state = find(id);
    if (!state) {
        return "message for a session that is not running";
    }
    if (std::holds_alternative<Started>(message)) {
        if (state->started) {
            return "second STARTED";
        }
        state->started = true;
    } else if (const auto* output = std::get_if<Output>(&message)) {
        if (!state->started) {
            return "output before STARTED";
        }
        if (!state->output.receive(output->data.size())) {
            return "output beyond the window";
        }
    } else if (std::holds_alternative<Exited>(message)) {
        if (!state->started) {
            return "EXITED before STARTED";
        }
        m_sessions.erase(id);
    } else if (std::holds_alternative<ErrorReport>(message)) {
        if (state->started) {
            return "ERROR after STARTED";
        }
        m_sessions.erase(id);
    } else if (const auto* window = std::get_if<StdinWindow>(&message)) {
        if (!state->stdin.grant(window->increment)) {
            return "STDIN_WINDOW beyond the maximum window";
        }
    }
    return nullptr;
}

uint32_t SessionTable::output_consumed(uint32_t id, size_t size, bool drained)
{
    State* state = find(id);
    if (!state) {
        return 0;
    }
    state->output.consumed(size);
    return state->output.take_update(drained);
}

size_t SessionTable::stdin_available(uint32_t id) const
{
    auto it = m_sessions.find(id);
    return it == m_sessions.end() ? 0 : it->second.stdin.available();
}

void SessionTable::stdin_sent(uint32_t id, size_t size)
{
    if (State* state = find(id)) {
        state->stdin.spend(size);
    }
}

} // namespace agent::client
