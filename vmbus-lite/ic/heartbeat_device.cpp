// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/ic/heartbeat_device.h"

#include "base/bytes.h"
#include "base/log.h"

namespace vmbus::ic {

HeartbeatDevice::HeartbeatDevice()
    : m_ic("heartbeat", message_versions)
{
}

OfferParams HeartbeatDevice::offer() const
{
    return { .interface_type = class_id, .interface_instance = instance_id };
}

bool HeartbeatDevice::opened(ChannelEndpoint& channel, std::span<const uint8_t>)
{
    m_answered = 0;
    m_ic.open(channel);
    return true;
}

void HeartbeatDevice::on_packets(ChannelEndpoint&)
{
    if (auto answer = m_ic.drain()) {
        handle_answer(*answer);
    }
}

void HeartbeatDevice::closed(ChannelEndpoint&)
{
    m_ic.close();
}

bool HeartbeatDevice::probe()
{
    if (!m_ic.ready() || m_ic.busy()) {
        return false;
    }
    const HeartbeatBody body { .seq_num = ++m_seq, .reserved = {} };
    return m_ic.send(MessageType::Heartbeat, vmm::as_bytes_of(body));
}

void HeartbeatDevice::handle_answer(const Packet& packet)
{
    auto reply = parse_heartbeat_response(packet.payload());
    if (!reply || reply->status != status_ok || reply->seq_num != m_seq + 1) {
        LOG_WARN("heartbeat IC: unexpected answer to heartbeat {}", m_seq);
        return;
    }
    ++m_answered;
    LOG_DEBUG("heartbeat IC: heartbeat {} answered", m_seq);
}

} // namespace vmbus::ic
