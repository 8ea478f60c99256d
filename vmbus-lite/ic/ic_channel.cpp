// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/ic/ic_channel.h"

#include "base/log.h"

#include <algorithm>

namespace vmbus::ic {

namespace {

bool offered(std::span<const Version> list, Version version)
{
    return std::find(list.begin(), list.end(), version) != list.end();
}

} // namespace

IcChannel::IcChannel(std::string_view name, std::span<const Version> message_versions)
    : m_name(name)
    , m_message_versions(message_versions)
{
}

void IcChannel::open(ChannelEndpoint& endpoint)
{
    close();
    m_endpoint = &endpoint;
    m_state = State::Negotiating;
    queue(MessageType::Negotiate,
        build_negotiate(framework_versions, m_message_versions, uint8_t(m_next_trans_id)));
    flush();
}

void IcChannel::close()
{
    m_endpoint = nullptr;
    m_state = State::Closed;
    m_versions = {};
    m_outgoing.reset();
    m_dropped = 0;
}

bool IcChannel::send(MessageType type, std::span<const std::byte> body)
{
    if (m_state != State::Ready || busy()) {
        return false; // A caller bug, but never worth a crash.
    }
    queue(type, build_request(type, m_versions, uint8_t(m_next_trans_id), body));
    flush();
    return m_state == State::Ready;
}

void IcChannel::queue(MessageType type, std::vector<std::byte> payload)
{
    m_outgoing = Outgoing {
        .trans_id = m_next_trans_id++,
        .type = type,
        .payload = std::move(payload),
        .sent = false,
    };
}

void IcChannel::flush()
{
    if (m_endpoint == nullptr || m_state == State::Broken || !m_outgoing || m_outgoing->sent) {
        return;
    }
    // Flags 0: the guest answers with an INBAND packet of its own, never a completion.
    const PacketDescriptor descriptor {
        .type = VM_PKT_DATA_INBAND,
        .offset8 = 0,
        .len8 = 0,
        .flags = 0,
        .trans_id = m_outgoing->trans_id,
    };
    auto sent = m_endpoint->send(descriptor, m_outgoing->payload);
    if (sent) {
        m_outgoing->sent = true;
        m_outgoing->payload = {};
        return;
    }
    if (sent.error() == RingError::Full) {
        return; // on_ring_space() reaches drain(), which retries.
    }
    LOG_WARN("{} IC relid {}: cannot write to the guest's ring ({}); giving up on it", m_name,
        m_endpoint->relid(), static_cast<int>(sent.error()));
    m_state = State::Broken;
}

std::optional<Packet> IcChannel::drain()
{
    flush();
    std::optional<Packet> answer;
    while (m_endpoint != nullptr && m_state != State::Broken) {
        auto packet = m_endpoint->receive();
        if (!packet) {
            if (packet.error() != RingError::Empty) {
                LOG_WARN("{} IC relid {}: the guest corrupted its ring ({})", m_name,
                    m_endpoint->relid(), static_cast<int>(packet.error()));
                m_state = State::Broken;
            }
            break;
        }
        // At most one answer per drain: a request is sent only between drains.
        if (auto reply = accept(std::move(*packet))) {
            answer = std::move(reply);
        }
    }
    return answer;
}

std::optional<Packet> IcChannel::accept(Packet packet)
{
    if (packet.descriptor.type != VM_PKT_DATA_INBAND) {
        drop(packet, "not an in-band packet");
        return std::nullopt;
    }
    auto message = parse_message(packet.payload());
    if (!message) {
        drop(packet, "shorter than the IC headers");
        return std::nullopt;
    }
    if (!m_outgoing || !m_outgoing->sent || packet.descriptor.trans_id != m_outgoing->trans_id) {
        drop(packet, "no request of ours has this transaction id");
        return std::nullopt;
    }
    if (message->header.type != m_outgoing->type || (message->header.flags & flag_response) == 0) {
        drop(packet, "not a response to our request");
        return std::nullopt;
    }
    if (m_outgoing->type == MessageType::Negotiate) {
        finish_negotiation(packet);
        return std::nullopt;
    }
    m_outgoing.reset();
    return packet;
}

void IcChannel::finish_negotiation(const Packet& packet)
{
    auto reply = parse_negotiate_response(packet.payload());
    if (!reply) {
        drop(packet, "malformed NEGOTIATE response");
        return; // Still waiting: a well-behaved answer may follow.
    }
    m_outgoing.reset();
    const auto& chosen = *reply;
    if (!chosen) {
        LOG_WARN(
            "{} IC relid {}: the guest supports none of our versions", m_name, m_endpoint->relid());
        m_state = State::Unsupported;
        return;
    }
    if (!offered(framework_versions, chosen->framework)
        || !offered(m_message_versions, chosen->message)) {
        LOG_WARN("{} IC relid {}: the guest chose versions we never offered ({}.{}, {}.{})", m_name,
            m_endpoint->relid(), chosen->framework.major, chosen->framework.minor,
            chosen->message.major, chosen->message.minor);
        m_state = State::Unsupported;
        return;
    }
    m_versions = *chosen;
    m_state = State::Ready;
    LOG_INFO("{} IC relid {}: framework {}.{}, message version {}.{}", m_name, m_endpoint->relid(),
        m_versions.framework.major, m_versions.framework.minor, m_versions.message.major,
        m_versions.message.minor);
}

void IcChannel::drop(const Packet& packet, std::string_view why)
{
    // Warn once per open; a hostile guest must not be able to flood the log.
    if (m_dropped++ == 0) {
        LOG_WARN("{} IC relid {}: ignored a guest packet ({}, {} bytes); further ones are logged "
                 "at debug level",
            m_name, m_endpoint->relid(), why, packet.bytes.size());
    } else {
        LOG_DEBUG("{} IC relid {}: ignored a guest packet ({}, {} bytes)", m_name,
            m_endpoint->relid(), why, packet.bytes.size());
    }
}

} // namespace vmbus::ic
