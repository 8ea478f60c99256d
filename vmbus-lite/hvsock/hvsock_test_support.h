// SPDX-License-Identifier: Apache-2.0
// Test-only: one hv_sock channel on rings in plain memory, run through the real OpenChannel, with
// a model of Linux 6.1's hv_sock socket at the guest end (net/vmw_vsock/hyperv_transport.c,
// drivers/hv/ring_buffer.c: hv_pkt_iter_*). Written from the kernel's behaviour, not its code.
#pragma once
#include "vmbus-lite/control/open_channel.h"
#include "vmbus-lite/hvsock/hvsock_connection.h"
#include "vmbus-lite/hvsock/pipe_packet.h"
#include "vmbus-lite/hvsock/service_id.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vmbus::hvsock::testing {

/// Counts the host's interrupts to the guest; nothing else is needed of the bus here.
class SignalCounter final : public BusHost {
public:
    void post_to_guest(uint32_t, std::span<const std::byte>) override { }
    void signal_guest(uint32_t, uint32_t) override { ++signals; }
    bool watch_connection(uint32_t) override { return true; }
    void unwatch_connection(uint32_t) override { }
    int signals { 0 };
};

/// What a Linux 6.1 guest's hv_sock socket does on one open channel.
class LinuxHvSockGuest {
public:
    /// `inbound` is the ring the host writes, `outbound` the one it reads.
    LinuxHvSockGuest(RingMemory& inbound, RingMemory& outbound)
        : m_outbound(outbound)
        , m_in(inbound)
        , m_out(outbound)
    {
    }

    /// hvs_open_connection, after vmbus_open: "signal me when a whole packet fits".
    void open() { set_pending_send_size(); }

    // The guest application.
    /// send(): queued, then written in packets of at most 4088 bytes while the ring has room.
    void write(std::span<const std::byte> data)
    {
        unsent.insert(unsent.end(), data.begin(), data.end());
        flush();
    }
    /// shutdown(SHUT_WR) or close(): FIN, after every queued byte.
    void shutdown_write()
    {
        fin_wanted = true;
        flush();
    }
    /// recv() of up to `max` bytes into `received`.
    void read(size_t max = SIZE_MAX)
    {
        size_t got = 0;
        while (got < max && errors.empty()) {
            if (!m_current && !next_packet()) {
                return;
            }
            const size_t take = std::min(max - got, m_current_size - m_current_offset);
            const auto data = m_current->payload().subspan(sizeof(PipeHeader));
            received.insert(received.end(), data.begin() + long(m_current_offset),
                data.begin() + long(m_current_offset + take));
            m_current_offset += take;
            got += take;
            if (m_current_offset == m_current_size) {
                m_current.reset(); // hv_pkt_iter_next: the next packet, or close the iteration.
                if (!next_packet()) {
                    return;
                }
            }
        }
    }
    /// The channel interrupt (hvs_channel_cb): wakes blocked writers, and readers when
    /// `auto_read`.
    void interrupt()
    {
        flush();
        if (auto_read) {
            read();
        }
    }

    std::vector<std::byte> unsent;
    bool fin_wanted { false };
    bool fin_sent { false };
    bool auto_read { true };
    std::vector<std::byte> received;
    bool eof { false };
    int signals_to_host { 0 };
    size_t largest_packet { 0 }; ///< Descriptor included.
    std::vector<std::string> errors; ///< What Linux would have failed on (-EIO, a truncation).

private:
    /// hv_get_bytes_to_write on the outbound ring.
    uint32_t bytes_to_write() const
    {
        const uint32_t size = m_outbound.data_size();
        const uint32_t write = m_outbound.load(RingControl::WriteIndex);
        const uint32_t read = m_outbound.load(RingControl::ReadIndex);
        return write >= read ? size - (write - read) : read - write;
    }
    /// hvs_channel_writable_bytes: room for one more byte and a FIN is always kept back.
    size_t writable_bytes() const
    {
        const size_t reserve = ring_bytes_for(1) + ring_bytes_for(0);
        const size_t free = bytes_to_write();
        return free <= reserve ? 0 : (free - reserve) & ~size_t(7);
    }
    void set_pending_send_size()
    {
        m_outbound.store(RingControl::PendingSendSize, uint32_t(guest_pending_send_size));
    }
    bool send_packet(std::span<const std::byte> data)
    {
        std::vector<std::byte> payload;
        build_payload(data, payload);
        auto signal = m_out.write(pipe_descriptor(), payload);
        // OutgoingRing manages pending_send_sz as the host does; Linux sets it once and keeps it.
        set_pending_send_size();
        if (!signal) {
            errors.push_back("a guest packet did not fit although space was checked");
            return false;
        }
        signals_to_host += *signal ? 1 : 0;
        return true;
    }
    void flush()
    {
        size_t done = 0;
        while (done < unsent.size()) {
            const size_t room = writable_bytes();
            if (room == 0) {
                break; // vsock_stream_sendmsg sleeps until the host signals.
            }
            const size_t n = std::min({ unsent.size() - done, room, guest_send_size });
            if (!send_packet(std::span(unsent).subspan(done, n))) {
                break;
            }
            done += n;
        }
        unsent.erase(unsent.begin(), unsent.begin() + long(done));
        if (!unsent.empty()) {
            return;
        }
        if (fin_wanted && !fin_sent) {
            fin_sent = send_packet({}); // Cannot fail: writable_bytes() kept room for it.
        }
    }
    /// hv_pkt_iter_first / hvs_update_recv_data. At the end of the ring the iteration closes
    /// (hv_pkt_iter_close): the read index is published, and the host signalled if it waits.
    bool next_packet()
    {
        auto packet = m_in.read();
        if (!packet) {
            if (packet.error() != RingError::Empty) {
                errors.push_back("the host corrupted the ring");
            }
            signals_to_host += m_in.commit_read() ? 1 : 0;
            return false;
        }
        largest_packet = std::max(largest_packet, packet->bytes.size());
        if (packet->bytes.size() > guest_max_packet_size) {
            errors.push_back("a host packet larger than max_pkt_size (truncated by Linux)");
            return false;
        }
        const size_t length = packet->bytes.size();
        if (length < sizeof(PacketDescriptor) + sizeof(PipeHeader)) {
            errors.push_back("-EIO: packet shorter than HVS_HEADER_LEN");
            return false;
        }
        PipeHeader header;
        std::memcpy(&header, packet->bytes.data() + sizeof(PacketDescriptor), sizeof(header));
        if (header.data_size > length - sizeof(PacketDescriptor) - sizeof(PipeHeader)
            || header.data_size > max_data_size) {
            errors.push_back("-EIO: bad data_size");
            return false;
        }
        if (packet->descriptor.offset8 * 8 != sizeof(PacketDescriptor)) {
            errors.push_back("hv_sock reads the pipe header right after the descriptor");
            return false;
        }
        if (header.data_size == 0) {
            eof = true;
        }
        m_current = std::move(*packet);
        m_current_size = header.data_size;
        m_current_offset = 0;
        if (m_current_size == 0) {
            m_current.reset(); // A FIN carries nothing to read: go on to the next.
            return next_packet();
        }
        return true;
    }

    RingMemory& m_outbound;
    IncomingRing m_in;
    OutgoingRing m_out;
    std::optional<Packet> m_current;
    size_t m_current_size { 0 };
    size_t m_current_offset { 0 };
};

/// A connection, its channel and the Linux model, with an owner that records what it gets and
/// writes `outbound` as fast as the ring takes it.
struct Harness final : HvSockConnection::Owner {
    explicit Harness(uint32_t ring_data_size = 24 * 1024,
        OfferParams offer = guest_connect_offer(service_id(1234), service_id(5000)))
        : to_guest(new FlatRingMemory(ring_data_size))
        , to_host(new FlatRingMemory(ring_data_size))
        , channel(relid, 0,
              RingPair {
                  std::unique_ptr<RingMemory>(to_host), std::unique_ptr<RingMemory>(to_guest) },
              bus)
        , guest(*to_guest, *to_host)
        , connection(offer, *this)
    {
        // Linux writes both ring headers before OPENCHANNEL: indices 0, pending_send_sz
        // supported.
        to_guest->store(RingControl::FeatureBits, 1);
        to_host->store(RingControl::FeatureBits, 1);
    }

    /// The guest opens the channel, as hvs_open_connection does.
    bool open()
    {
        const bool accepted = connection.opened(channel, {});
        guest.open();
        return accepted;
    }

    /// Runs guest and host until neither has anything left to do; false if they never stop.
    bool pump(int max_rounds = 100000)
    {
        for (int round = 0; round < max_rounds; ++round) {
            bool progress = false;
            if (handled_guest_signals < bus.signals) {
                handled_guest_signals = bus.signals;
                guest.interrupt();
                progress = true;
            }
            if (handled_host_signals < guest.signals_to_host || service_requested) {
                handled_host_signals = guest.signals_to_host;
                service_requested = false;
                service();
                progress = true;
            }
            if (!progress) {
                return true;
            }
        }
        return false;
    }

    /// A guest signal: what ControlPlane::on_guest_signal does with it.
    void service()
    {
        if (channel_closed) {
            return;
        }
        if (!channel.service(connection)) {
            close_channel(); // A corrupt ring: the control plane closes (and rescinds) it.
        }
    }
    /// The guest (or the control plane) closes the channel.
    void close_channel()
    {
        if (!channel_closed) {
            channel_closed = true;
            connection.closed(channel);
        }
    }

    /// Writes as much of `outbound` as the connection takes; FIN after it if `fin_after`.
    void push()
    {
        sent += connection.write(std::span(outbound).subspan(sent));
        if (sent == outbound.size() && fin_after) {
            connection.shutdown_send();
        }
    }

    // HvSockConnection::Owner
    void on_open() override { ++opens; }
    size_t on_data(std::span<const std::byte> data) override
    {
        const size_t take = std::min(data.size(), capacity - std::min(capacity, received.size()));
        received.insert(received.end(), data.begin(), data.begin() + long(take));
        return take;
    }
    void on_peer_shutdown() override { ++peer_fins; }
    void on_writable() override
    {
        ++writables;
        push();
    }
    void on_closed(HvSockConnection::CloseReason reason) override { closes.push_back(reason); }
    void request_service() override { service_requested = true; }

    static constexpr uint32_t relid = 9;
    FlatRingMemory* to_guest; // Owned by `channel`.
    FlatRingMemory* to_host;
    SignalCounter bus;
    OpenChannel channel;
    LinuxHvSockGuest guest;
    HvSockConnection connection;
    int handled_guest_signals { 0 };
    int handled_host_signals { 0 };
    bool service_requested { false };
    bool channel_closed { false };

    std::vector<std::byte> outbound;
    size_t sent { 0 };
    bool fin_after { false };
    size_t capacity { SIZE_MAX }; ///< How much on_data() takes in all.
    std::vector<std::byte> received;
    int opens { 0 };
    int peer_fins { 0 };
    int writables { 0 };
    std::vector<HvSockConnection::CloseReason> closes;
};

/// Bytes 0, 1, ... 250, 0, ... : order mistakes show.
inline std::vector<std::byte> pattern(size_t size, uint8_t seed = 0)
{
    std::array<std::byte, 251> cycle;
    for (size_t i = 0; i < cycle.size(); ++i) {
        cycle[i] = std::byte(uint8_t((i + seed) % cycle.size()));
    }
    std::vector<std::byte> bytes;
    bytes.reserve(size);
    while (bytes.size() < size) {
        const size_t n = std::min(cycle.size(), size - bytes.size());
        bytes.insert(bytes.end(), cycle.begin(), cycle.begin() + long(n));
    }
    return bytes;
}

} // namespace vmbus::hvsock::testing
