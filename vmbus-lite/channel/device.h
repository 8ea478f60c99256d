// SPDX-License-Identifier: Apache-2.0
// The interface between the VMBus control plane and a synthetic device. Every call happens on the
// VMBus event thread; devices need no locks for state only they touch.
#pragma once
#include "base/result.h"
#include "vmbus-lite/protocol/channel_messages.h"
#include "vmbus-lite/ring/packet.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace vmbus {

/// What the OFFERCHANNEL for a device carries (docs/vmbus.md#offers).
struct OfferParams {
    Guid interface_type {}; ///< Device class; for hv_sock, the service id.
    Guid interface_instance {}; ///< Unique per device; for hv_sock, the endpoint id.
    uint16_t channel_flags { 0 };
    std::array<uint8_t, 120> user_defined {};
    uint16_t subchannel_index { 0 };
};

/// An open channel as a device sees it: the two rings and the guest's interrupt.
class ChannelEndpoint {
public:
    virtual ~ChannelEndpoint() = default;
    /// The channel's relid, for logs.
    virtual uint32_t relid() const = 0;
    /// Writes one packet to the guest-bound ring and interrupts the guest when the ring rules ask
    /// for it. RingError::Full: no room now; the device gets on_ring_space() once there is.
    [[nodiscard]] virtual vmm::Result<void, RingError> send(
        PacketDescriptor descriptor, std::span<const std::byte> payload)
        = 0;
    /// Copies out the next packet the guest wrote. RingError::Empty when there is none; any other
    /// error means the guest corrupted its ring and the device should stop using the channel (the
    /// control plane closes it when on_packets returns).
    [[nodiscard]] virtual vmm::Result<Packet, RingError> receive() = 0;
};

/// A synthetic device offered on the bus. Lifetime: owned by whoever offered it; it outlives its
/// offer.
class Device {
public:
    virtual ~Device() = default;
    virtual OfferParams offer() const = 0;
    /// The guest opened the channel. `user_data` is OPENCHANNEL's 120-byte userdata. Return false
    /// to refuse (the guest sees a failed OPENCHANNEL_RESULT). The endpoint stays valid until
    /// closed() returns.
    virtual bool opened(ChannelEndpoint& channel, std::span<const uint8_t> user_data) = 0;
    /// The guest signalled: new packets (or it read some of ours). Drain with receive() until
    /// Empty.
    virtual void on_packets(ChannelEndpoint& channel) = 0;
    /// The guest freed space in a ring send() found full.
    virtual void on_ring_space(ChannelEndpoint& channel) { on_packets(channel); }
    /// The guest closed the channel, the bus was reset, or the ring broke: stop using `channel`.
    virtual void closed(ChannelEndpoint& channel) = 0;
};

/// Where a device puts more channels of its own on the bus (sub-channels: the same offer with a
/// sub-channel index of 1 or more). VMBus thread; safe to call from inside a Device callback.
class ChannelOffers {
public:
    virtual ~ChannelOffers() = default;
    /// Offers `channel` now (or with the guest's next request for offers); it must stay alive
    /// until withdrawn.
    virtual void offer(Device& channel) = 0;
    /// Closes `channel` if open and rescinds its offer.
    virtual void withdraw(Device& channel) = 0;
};

} // namespace vmbus
