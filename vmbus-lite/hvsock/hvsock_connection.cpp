// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/hvsock/hvsock_connection.h"
#include "base/log.h"
#include "vmbus-lite/hvsock/pipe_packet.h"
#include "vmbus-lite/hvsock/service_id.h"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace vmbus::hvsock {

namespace {

// Packets shrink no further than this while filling the last space of a ring, or while looking
// for a size a small ring can take at all.
constexpr size_t min_chunk = 1024;

/// OpenVMM's HvsockUserDefinedParameters in the offer's user_def (offer byte 60): pipe_mode u32
/// (0, a byte pipe), is_for_guest_accept u8 @4 (the one field Linux reads), is_for_guest_container
/// u8 @5, version u32 @6 (1), silo id @10 (zero).
OfferParams hvsock_offer(const Guid& type, const Guid& instance, bool for_guest_accept)
{
    OfferParams params;
    params.interface_type = type;
    params.interface_instance = instance;
    params.channel_flags = offer_flags;
    params.user_defined[4] = for_guest_accept ? 1 : 0;
    params.user_defined[6] = 1;
    return params;
}

} // namespace

OfferParams guest_connect_offer(const Guid& host_service_id, const Guid& guest_endpoint_id)
{
    return hvsock_offer(host_service_id, guest_endpoint_id, false);
}

OfferParams host_connect_offer(uint32_t guest_port, const Guid& host_endpoint_id)
{
    return hvsock_offer(service_id(guest_port), host_endpoint_id, true);
}

HvSockConnection::HvSockConnection(const OfferParams& offer, Owner& owner)
    : m_offer(offer)
    , m_owner(owner)
    , m_max_chunk(max_data_size)
{
}

bool HvSockConnection::opened(ChannelEndpoint& channel, std::span<const uint8_t> user_data)
{
    (void)user_data; // Linux passes none for hv_sock.
    if (m_state != State::Offered) {
        return false; // One open per connection: a reopen after a reset has no socket behind it.
    }
    m_endpoint = &channel;
    m_state = State::Open;
    m_owner.on_open();
    if (m_fin_wanted) {
        m_owner.request_service(); // Sent from on_packets, once the guest knows it is open.
    }
    return true;
}

void HvSockConnection::closed(ChannelEndpoint& channel)
{
    if (&channel != m_endpoint) {
        return;
    }
    m_endpoint = nullptr;
    if (m_state != State::Closed) {
        m_state = State::Closed;
        m_owner.on_closed(CloseReason::GuestClosed);
    }
}

void HvSockConnection::fail(CloseReason reason)
{
    if (m_state == State::Closed) {
        return;
    }
    m_state = State::Closed;
    m_owner.on_closed(reason);
}

void HvSockConnection::finish_if_done()
{
    if (m_state == State::Open && m_fin_sent && m_fin_received && !receive_paused()) {
        m_state = State::Closed;
        m_owner.on_closed(CloseReason::Finished);
    }
}

HvSockConnection::SendResult HvSockConnection::send_packet(
    std::span<const std::byte> data, size_t& sent)
{
    size_t size = std::min(data.size(), m_max_chunk);
    build_payload(data.first(size), m_scratch);
    bool rechecked = false;
    while (true) {
        // Smaller tries reuse the payload: only data_size changes.
        const auto data_size = static_cast<uint32_t>(size);
        std::memcpy(m_scratch.data() + offsetof(PipeHeader, data_size), &data_size, 4);
        auto result = m_endpoint->send(
            pipe_descriptor(), std::span(m_scratch).first(sizeof(PipeHeader) + size));
        if (result) {
            sent = size;
            return SendResult::Sent;
        }
        switch (result.error()) {
        case RingError::TooLarge:
            // This ring can never hold a packet this big: use smaller ones from now on.
            if (size <= min_chunk) {
                LOG_WARN("hv_sock relid {}: the guest's ring is too small for any packet",
                    m_endpoint->relid());
                return SendResult::Failed;
            }
            m_max_chunk = std::max(min_chunk, (size / 2) & ~size_t(7));
            size = std::min(size, m_max_chunk);
            continue;
        case RingError::Full:
            if (size > min_chunk) {
                size = std::max(min_chunk, size / 2); // Fill what space is left.
                continue;
            }
            // The ring stored pending_send_sz after it found no room; the guest may have freed
            // the space in between without seeing it. Fence and look once more, so that either
            // the guest sees our pending_send_sz or we see its read index (producer rule 4 in
            // docs/vmbus.md#signalling-rules).
            if (!rechecked) {
                rechecked = true;
                std::atomic_thread_fence(std::memory_order_seq_cst);
                continue;
            }
            return SendResult::Full;
        default:
            LOG_WARN("hv_sock relid {}: the guest corrupted its ring", m_endpoint->relid());
            return SendResult::Failed;
        }
    }
}

size_t HvSockConnection::write(std::span<const std::byte> data)
{
    if (m_state != State::Open || m_blocked || m_fin_wanted) {
        return 0;
    }
    size_t written = 0;
    while (written < data.size()) {
        size_t sent = 0;
        switch (send_packet(data.subspan(written), sent)) {
        case SendResult::Sent:
            written += sent;
            break;
        case SendResult::Full:
            m_blocked = true;
            return written;
        case SendResult::Failed:
            fail(CloseReason::ProtocolError);
            return written;
        }
    }
    return written;
}

void HvSockConnection::flush_fin()
{
    if (m_state != State::Open || !m_fin_wanted || m_fin_sent || m_blocked) {
        return;
    }
    size_t sent = 0;
    switch (send_packet({}, sent)) {
    case SendResult::Sent:
        m_fin_sent = true;
        finish_if_done();
        break;
    case SendResult::Full:
        m_blocked = true;
        break;
    case SendResult::Failed:
        fail(CloseReason::ProtocolError);
        break;
    }
}

void HvSockConnection::shutdown_send()
{
    if (m_state == State::Closed) {
        return;
    }
    m_fin_wanted = true;
    flush_fin(); // Before open this waits for opened().
}

void HvSockConnection::on_ring_space(ChannelEndpoint& channel)
{
    if (m_state != State::Open || &channel != m_endpoint || !m_blocked) {
        return;
    }
    m_blocked = false;
    flush_fin();
    if (m_state == State::Open) {
        m_owner.on_writable(); // After a FIN too: the owner may be waiting for it to go out.
    }
}

void HvSockConnection::resume_receive()
{
    if (m_state == State::Open && receive_paused()) {
        m_owner.request_service();
    }
}

bool HvSockConnection::deliver_held()
{
    if (!receive_paused()) {
        return true;
    }
    const auto rest = std::span(m_held.bytes).subspan(m_held_begin, m_held_end - m_held_begin);
    m_held_begin += std::min(m_owner.on_data(rest), rest.size());
    if (receive_paused()) {
        return false;
    }
    m_held = {};
    m_held_begin = m_held_end = 0;
    return true;
}

void HvSockConnection::on_packets(ChannelEndpoint& channel)
{
    if (m_state != State::Open || &channel != m_endpoint) {
        return;
    }
    flush_fin();
    if (!deliver_held()) {
        return; // The guest's packets wait in its ring; it blocks once the ring is full.
    }
    while (m_state == State::Open) {
        auto packet = channel.receive();
        if (!packet) {
            if (packet.error() != RingError::Empty) {
                LOG_WARN("hv_sock relid {}: the guest corrupted its ring", channel.relid());
                fail(CloseReason::ProtocolError);
            }
            return;
        }
        auto data = parse_packet(*packet);
        if (!data || m_fin_received) {
            LOG_WARN("hv_sock relid {}: resetting the connection: {}", channel.relid(),
                data ? "data after FIN" : to_string(data.error()));
            fail(CloseReason::ProtocolError);
            return;
        }
        if (data->empty()) {
            m_fin_received = true;
            m_owner.on_peer_shutdown();
            finish_if_done();
            continue; // Anything after FIN is an error: read on to find it.
        }
        const size_t taken = std::min(m_owner.on_data(*data), data->size());
        if (taken < data->size()) {
            const auto begin = static_cast<size_t>(data->data() - packet->bytes.data());
            m_held_begin = begin + taken;
            m_held_end = begin + data->size();
            m_held = std::move(*packet);
            return;
        }
    }
}

const char* to_string(HvSockConnection::CloseReason reason)
{
    switch (reason) {
    case HvSockConnection::CloseReason::Finished:
        return "finished";
    case HvSockConnection::CloseReason::GuestClosed:
        return "the guest closed the channel";
    case HvSockConnection::CloseReason::ProtocolError:
        return "protocol error";
    }
    return "?";
}

} // namespace vmbus::hvsock
