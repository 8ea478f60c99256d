// SPDX-License-Identifier: Apache-2.0
// Per-session flow control (credit windows), one pair per direction: the sender spends a
// SendWindow; the receiver's ReceiveWindow rejects overruns and decides when to hand credit back.
// Pure arithmetic shared by the agent and the host.
#pragma once
#include "agent/protocol/limits.h"

#include <cstddef>
#include <cstdint>

namespace agent::protocol {

class SendWindow {
public:
    /// Bytes the peer accepts now.
    size_t available() const { return m_available; }
    /// Spends `size` (at most available()).
    void spend(size_t size) { m_available -= size <= m_available ? size : m_available; }
    /// A window update arrived; false when it would owe us more than max_window (a protocol
    /// error).
    bool grant(uint32_t increment)
    {
        if (increment > max_window || m_available + increment > max_window) {
            return false;
        }
        m_available += increment;
        return true;
    }

private:
    uint64_t m_available { initial_window };
};

class ReceiveWindow {
public:
    /// `size` bytes arrived; false when the peer overran its window (a protocol error).
    bool receive(size_t size)
    {
        if (size > m_remaining) {
            return false;
        }
        m_remaining -= size;
        return true;
    }
    /// `size` received bytes left our buffer (written to their destination or dropped).
    void consumed(size_t size) { m_pending += size; }
    /// The credit to send back now, 0 when none is due. Credit goes back in batches of a quarter
    /// window, or all of it when `drained` (our buffer is empty, so nothing would prompt a later
    /// update).
    uint32_t take_update(bool drained)
    {
        if (m_pending == 0 || (!drained && m_pending < initial_window / 4)) {
            return 0;
        }
        const auto credit = static_cast<uint32_t>(m_pending);
        m_remaining += m_pending;
        m_pending = 0;
        return credit;
    }

private:
    uint64_t m_remaining { initial_window };
    uint64_t m_pending { 0 };
};

} // namespace agent::protocol
