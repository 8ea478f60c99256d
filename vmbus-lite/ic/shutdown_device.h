// SPDX-License-Identifier: Apache-2.0
// The shutdown integration service: lets the host ask the guest to power off cleanly. Linux 6.1
// (hv_utils) answers SHUTDOWN with status HV_S_OK and then runs orderly_poweroff(true), which ends
// in an ACPI S5 write when the guest's /sbin/poweroff cannot be started.
#pragma once
#include "vmbus-lite/channel/device.h"
#include "vmbus-lite/ic/ic_channel.h"
#include "vmbus-lite/protocol/guid.h"

#include <optional>

namespace vmbus::ic {

/// Every call, request_shutdown() included, belongs on the VMBus event thread.
class ShutdownDevice final : public Device {
public:
    static constexpr Guid class_id = make_guid("0e0b6031-5213-4934-818b-38d90ced39db");
    /// Ours, fixed so the guest's sysfs name is stable across boots (any value works).
    static constexpr Guid instance_id = make_guid("872aef5e-e470-4321-a6b7-2000dd73200b");
    /// Message versions offered, newest first: exactly the ones Linux 6.1 knows.
    static constexpr std::array<Version, 4> message_versions { Version { 3, 2 }, Version { 3, 1 },
        Version { 3, 0 }, Version { 1, 0 } };

    ShutdownDevice();

    OfferParams offer() const override;
    bool opened(ChannelEndpoint& channel, std::span<const uint8_t> user_data) override;
    void on_packets(ChannelEndpoint& channel) override;
    void closed(ChannelEndpoint& channel) override;

    /// Asks the guest to power off. False when it cannot be asked (no open channel, no common
    /// version, broken ring): stop the VM at once. True when SHUTDOWN was sent, is already in
    /// flight, or waits for negotiation; the guest may still ignore it, so keep a deadline.
    bool request_shutdown();
    /// Versions negotiated: a request now goes out at once.
    bool ready() const { return m_ic.ready(); }
    /// The guest's status for the last SHUTDOWN it answered (HV_S_OK: it is powering off).
    std::optional<uint32_t> shutdown_status() const { return m_status; }

private:
    void send_if_wanted();
    void handle_answer(const Packet& packet);

    IcChannel m_ic;
    bool m_wanted { false }; // Requested but not yet sent (negotiation still running).
    bool m_in_flight { false }; // Sent, not yet answered.
    std::optional<uint32_t> m_status;
};

} // namespace vmbus::ic
