// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/ic/shutdown_device.h"

#include "base/bytes.h"
#include "base/log.h"

namespace vmbus::ic {

ShutdownDevice::ShutdownDevice()
    : m_ic("shutdown", message_versions)
{
}

OfferParams ShutdownDevice::offer() const
{
    return { .interface_type = class_id, .interface_instance = instance_id };
}

bool ShutdownDevice::opened(ChannelEndpoint& channel, std::span<const uint8_t>)
{
    m_wanted = false;
    m_in_flight = false;
    m_status.reset();
    m_ic.open(channel);
    return true;
}

void ShutdownDevice::on_packets(ChannelEndpoint&)
{
    if (auto answer = m_ic.drain()) {
        handle_answer(*answer);
    }
    send_if_wanted();
}

void ShutdownDevice::closed(ChannelEndpoint&)
{
    m_ic.close();
    m_wanted = false;
    m_in_flight = false;
}

bool ShutdownDevice::request_shutdown()
{
    using State = IcChannel::State;
    if (m_ic.state() != State::Negotiating && m_ic.state() != State::Ready) {
        return false;
    }
    if (!m_in_flight) {
        m_wanted = true;
        send_if_wanted();
    }
    return m_ic.state() != State::Broken;
}

void ShutdownDevice::send_if_wanted()
{
    if (!m_wanted || !m_ic.ready() || m_ic.busy()) {
        return;
    }
    // Linux reads only `flags` (0: power off); the rest is what Hyper-V sends for a planned,
    // host-initiated shutdown.
    const ShutdownBody body { .reason_code = shutdown_reason_planned,
        .timeout_seconds = 0,
        .flags = 0,
        .display_message = {} };
    m_wanted = false;
    if (m_ic.send(MessageType::Shutdown, vmm::as_bytes_of(body))) {
        m_in_flight = true;
        LOG_DEBUG("shutdown IC: SHUTDOWN issued");
    }
}

void ShutdownDevice::handle_answer(const Packet& packet)
{
    m_in_flight = false;
    auto status = parse_shutdown_response(packet.payload());
    if (!status) {
        // IcChannel checked type and flags, so this cannot fail; stay defensive all the same.
        LOG_WARN("shutdown IC: malformed answer to SHUTDOWN");
        return;
    }
    m_status = *status;
    if (*status == status_ok) {
        LOG_INFO("shutdown IC: the guest accepted the shutdown request");
    } else {
        LOG_WARN("shutdown IC: the guest refused the shutdown request (status {:#x})", *status);
    }
}

} // namespace vmbus::ic
