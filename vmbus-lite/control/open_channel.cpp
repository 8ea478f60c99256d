// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/control/open_channel.h"
#include "base/log.h"

namespace vmbus {

OpenChannel::OpenChannel(uint32_t relid, uint32_t target_vp, RingPair rings, BusHost& host)
    : m_relid(relid)
    , m_target_vp(target_vp)
    , m_rings(std::move(rings))
    , m_host(host)
    , m_incoming(*m_rings.guest_to_host)
    , m_outgoing(*m_rings.host_to_guest)
{
}

vmm::Result<void, RingError> OpenChannel::send(
    PacketDescriptor descriptor, std::span<const std::byte> payload)
{
    auto written = m_outgoing.write(descriptor, payload);
    if (!written) {
        if (written.error() == RingError::Full) {
            m_waiting_for_space = true;
        } else if (written.error() != RingError::TooLarge) {
            m_broken = true;
        }
        return vmm::unexpected(written.error());
    }
    if (*written) {
        m_host.signal_guest(m_target_vp, m_relid);
    }
    return {};
}

vmm::Result<Packet, RingError> OpenChannel::receive()
{
    auto packet = m_incoming.read();
    if (packet) {
        m_read_since_commit = true;
    } else if (packet.error() != RingError::Empty) {
        m_broken = true;
    }
    return packet;
}

bool OpenChannel::commit_reads()
{
    if (!m_read_since_commit) {
        return false;
    }
    m_read_since_commit = false;
    if (m_incoming.commit_read()) {
        m_host.signal_guest(m_target_vp, m_relid); // The guest waits for this much free space.
    }
    return true;
}

bool OpenChannel::service(Device& device)
{
    // The guest signals only when a ring goes from empty to non-empty as it sees it, and it sees
    // our reads only once committed: so commit, then look again until a pass finds nothing.
    do {
        if (m_waiting_for_space) {
            m_waiting_for_space = false;
            device.on_ring_space(*this);
        }
        device.on_packets(*this);
        if (m_broken) {
            LOG_WARN("vmbus: channel {}: the guest corrupted a ring", m_relid);
            return false;
        }
    } while (commit_reads());
    return true;
}

} // namespace vmbus
