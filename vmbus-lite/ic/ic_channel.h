// SPDX-License-Identifier: Apache-2.0
// The host end of one IC channel, shared by every IC device: version negotiation after open, then
// one request at a time, matched to its answer by transaction id. One at a time because Linux's
// shutdown handler reads a single packet per interrupt and the host signals only when the ring
// goes from empty to non-empty: a second queued packet would sit unread.
#pragma once
#include "vmbus-lite/channel/device.h"
#include "vmbus-lite/ic/ic_message.h"

#include <optional>
#include <string_view>

namespace vmbus::ic {

/// Framework versions the host offers, newest first (Linux 6.1 accepts exactly these two).
inline constexpr std::array<Version, 2> framework_versions { Version { 3, 0 }, Version { 1, 0 } };

class IcChannel {
public:
    enum class State {
        Closed, ///< No open channel.
        Negotiating, ///< NEGOTIATE sent (or waiting for ring space), no answer yet.
        Ready, ///< Versions agreed: requests may be sent.
        Unsupported, ///< The guest shares no version with us: nothing more is sent.
        Broken, ///< A ring is corrupt (or too small for our packets): nothing more is sent.
    };

    /// `name` is for logs; `message_versions` (newest first) must outlive the channel.
    IcChannel(std::string_view name, std::span<const Version> message_versions);

    /// The guest opened the channel: sends NEGOTIATE. `endpoint` must stay valid until close().
    void open(ChannelEndpoint& endpoint);
    void close();

    State state() const { return m_state; }
    bool ready() const { return m_state == State::Ready; }
    /// The agreed versions; meaningful once ready().
    Negotiated versions() const { return m_versions; }
    /// A request is waiting for ring space or for its answer.
    bool busy() const { return m_outgoing.has_value(); }

    /// Sends one request with `body`. Precondition: ready() && !busy(). If the ring is full the
    /// request waits for drain() (on_ring_space) to retry it. Returns false when the ring broke.
    bool send(MessageType type, std::span<const std::byte> body);

    /// Retries a request the ring had no room for, then drains the guest's packets: completes the
    /// negotiation and returns the answer to the request in flight if it came (type, RESPONSE flag
    /// and transaction id checked). Anything else is logged and dropped.
    std::optional<Packet> drain();

private:
    struct Outgoing {
        uint64_t trans_id;
        MessageType type;
        std::vector<std::byte> payload; // Emptied once the ring took it.
        bool sent;
    };

    void queue(MessageType type, std::vector<std::byte> payload);
    void flush();
    std::optional<Packet> accept(Packet packet);
    void finish_negotiation(const Packet& packet);
    void drop(const Packet& packet, std::string_view why);

    std::string_view m_name;
    std::span<const Version> m_message_versions;
    ChannelEndpoint* m_endpoint { nullptr };
    State m_state { State::Closed };
    Negotiated m_versions {};
    std::optional<Outgoing> m_outgoing;
    uint64_t m_next_trans_id { 1 };
    uint32_t m_dropped { 0 }; // Packets dropped since open: only the first is logged as a warning.
};

} // namespace vmbus::ic
