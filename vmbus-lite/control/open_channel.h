// SPDX-License-Identifier: Apache-2.0
// One open channel: its two rings over the guest's GPADL pages, and the rules for when to
// interrupt the guest (docs/vmbus.md#signalling-rules).
#pragma once
#include "vmbus-lite/channel/device.h"
#include "vmbus-lite/control/bus_host.h"
#include "vmbus-lite/gpadl/guest_ring_memory.h"
#include "vmbus-lite/ring/incoming_ring.h"
#include "vmbus-lite/ring/outgoing_ring.h"

namespace vmbus {

class OpenChannel final : public ChannelEndpoint {
public:
    OpenChannel(uint32_t relid, uint32_t target_vp, RingPair rings, BusHost& host);

    uint32_t relid() const override { return m_relid; }
    vmm::Result<void, RingError> send(
        PacketDescriptor descriptor, std::span<const std::byte> payload) override;
    vmm::Result<Packet, RingError> receive() override;

    void retarget(uint32_t vp) { m_target_vp = vp; }

    /// Runs the device on a guest signal: delivers packets (and ring space, if a send was
    /// waiting) until the guest has nothing more, publishing what was read. Returns false when a
    /// ring is corrupt and the channel must be reset.
    bool service(Device& device);

private:
    bool commit_reads();

    uint32_t m_relid;
    uint32_t m_target_vp;
    RingPair m_rings;
    BusHost& m_host;
    IncomingRing m_incoming; // The guest's outbound ring.
    OutgoingRing m_outgoing; // The guest's inbound ring.
    bool m_waiting_for_space { false };
    bool m_broken { false };
    bool m_read_since_commit { false };
};

} // namespace vmbus
