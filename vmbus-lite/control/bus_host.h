// SPDX-License-Identifier: Apache-2.0
// What the control plane needs from the world around it. The runtime implements this over SynIC
// message slots, event flags and KVM eventfds; tests implement it with plain vectors.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace vmbus {

class BusHost {
public:
    virtual ~BusHost() = default;
    /// Queues one channel-management message for the guest on `vp`'s SINT 2. Messages to one VP
    /// arrive in the order posted.
    virtual void post_to_guest(uint32_t vp, std::span<const std::byte> message) = 0;
    /// Raises the channel's event flag (`relid`) on `vp` and interrupts the guest.
    virtual void signal_guest(uint32_t vp, uint32_t relid) = 0;
    /// Starts delivering the guest's HvSignalEvent on `connection_id` to
    /// ControlPlane::on_guest_signal. False when that cannot be arranged (the channel is then not
    /// opened).
    virtual bool watch_connection(uint32_t connection_id) = 0;
    virtual void unwatch_connection(uint32_t connection_id) = 0;
};

} // namespace vmbus
