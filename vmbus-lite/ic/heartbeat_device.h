// SPDX-License-Identifier: Apache-2.0
// The heartbeat integration service: a liveness probe. Linux 6.1 answers each HEARTBEAT from its
// channel callback (softirq context) with seq_num + 1, so an answer shows the guest kernel still
// takes interrupts; it says nothing about user space.
#pragma once
#include "vmbus-lite/channel/device.h"
#include "vmbus-lite/ic/ic_channel.h"
#include "vmbus-lite/protocol/guid.h"

namespace vmbus::ic {

/// Every call, probe() included, belongs on the VMBus event thread.
class HeartbeatDevice final : public Device {
public:
    static constexpr Guid class_id = make_guid("57164f39-9115-4e78-ab55-382f3bd5422d");
    /// Ours, fixed (any value works).
    static constexpr Guid instance_id = make_guid("2f987531-3f1e-4ab6-9aa3-d887eaf0cccc");
    /// Message versions offered, newest first: the ones Linux 6.1 knows.
    static constexpr std::array<Version, 2> message_versions { Version { 3, 0 }, Version { 1, 0 } };

    HeartbeatDevice();

    OfferParams offer() const override;
    bool opened(ChannelEndpoint& channel, std::span<const uint8_t> user_data) override;
    void on_packets(ChannelEndpoint& channel) override;
    void closed(ChannelEndpoint& channel) override;

    /// Sends one HEARTBEAT. False when not negotiated, or when the previous one is still
    /// unanswered (the guest is not keeping up): call it on a timer and count the falses.
    bool probe();
    bool ready() const { return m_ic.ready(); }
    /// Heartbeats the guest answered correctly (seq_num + 1) since the channel opened.
    uint64_t answered() const { return m_answered; }

private:
    void handle_answer(const Packet& packet);

    IcChannel m_ic;
    uint64_t m_seq { 0 };
    uint64_t m_answered { 0 };
};

} // namespace vmbus::ic
