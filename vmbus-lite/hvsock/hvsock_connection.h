// SPDX-License-Identifier: Apache-2.0
// The host end of one hv_sock connection (docs/vsock.md): one VMBus channel carrying a
// byte stream each way. Its owner sees a byte stream: write() and shutdown_send() towards the
// guest, Owner::on_data() and on_peer_shutdown() from it, with back-pressure both ways (the ring
// when writing; the owner's on_data() return when reading, which leaves the guest blocked on its
// pending_send_sz until resume_receive()). Pure: tested over rings in plain memory.
//
// Closing: once both sides have sent FIN, or the guest closes the channel, or it breaks the
// protocol, Owner::on_closed() fires once and the owner must take the device off the bus
// (ControlPlane::remove_device, which rescinds the offer): Linux closes its socket only on that
// rescind (hvs_close_connection), and its socket destructor waits for it forever.
#pragma once
#include "vmbus-lite/channel/device.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vmbus::hvsock {

/// OFFERCHANNEL chn_flags of an hv_sock channel, as OpenVMM offers it: TLNPI_PROVIDER (what
/// makes Linux hand the channel to hv_sock), NAMED_PIPE_MODE and ENUMERATE_DEVICE_INTERFACE.
constexpr uint16_t offer_flags = 0x2000 | 0x0010 | 0x0001;

/// The offer for a connection the guest asked for in TL_CONNECT_REQUEST: Linux finds its
/// connecting socket by the port in `guest_endpoint_id` (the instance id).
OfferParams guest_connect_offer(const Guid& host_service_id, const Guid& guest_endpoint_id);
/// The offer for a connection to the socket listening on `guest_port`; Linux reports Data1 of
/// `host_endpoint_id` as the peer's port.
OfferParams host_connect_offer(uint32_t guest_port, const Guid& host_endpoint_id);

class HvSockConnection final : public Device {
public:
    enum class State {
        Offered, ///< Waiting for the guest to open the channel.
        Open,
        Closed, ///< on_closed() has fired, or abort(): every call is now a no-op.
    };
    enum class CloseReason {
        Finished, ///< Both sides sent FIN.
        GuestClosed, ///< The guest closed the channel (or the bus was reset) first: a reset.
        ProtocolError, ///< A malformed packet, a corrupt ring or one too small: a reset.
    };

    /// The connection's user. Calls come on the VMBus thread, possibly from inside the
    /// connection's own methods (write(), shutdown_send() included).
    class Owner {
    public:
        virtual ~Owner() = default;
        /// The guest opened the channel; called before it learns so. Send nothing from here.
        virtual void on_open() = 0;
        /// Stream bytes from the guest, in order. Returns how many the owner took; fewer than
        /// offered pauses delivery until resume_receive().
        virtual size_t on_data(std::span<const std::byte> data) = 0;
        /// The guest's FIN, after every byte before it was taken.
        virtual void on_peer_shutdown() = 0;
        /// The ring has room again after write() took less than offered (or a FIN waited).
        virtual void on_writable() = 0;
        /// The connection is over; nothing more is called. The owner must remove the device from
        /// the bus, but not from inside this call (the bus may be running the device): post it.
        virtual void on_closed(CloseReason reason) = 0;
        /// Delivery resumed: the owner must soon (not from inside this call) have the bus run the
        /// channel as if the guest had signalled, so that the reads are published and the guest,
        /// blocked on a full ring, is woken (ControlPlane::on_guest_signal).
        virtual void request_service() = 0;
    };

    HvSockConnection(const OfferParams& offer, Owner& owner);

    // Device, on the VMBus thread.
    OfferParams offer() const override { return m_offer; }
    bool opened(ChannelEndpoint& channel, std::span<const uint8_t> user_data) override;
    void on_packets(ChannelEndpoint& channel) override;
    void on_ring_space(ChannelEndpoint& channel) override;
    void closed(ChannelEndpoint& channel) override;

    /// Writes as much of `data` to the guest as its ring takes now (nothing before open or after
    /// shutdown_send()). Returns the bytes taken; after a short write, on_writable() follows
    /// once the guest frees space.
    size_t write(std::span<const std::byte> data);
    /// Sends FIN after everything written so far (once the ring has room for it).
    void shutdown_send();
    /// The owner can take data again after on_data() took less than offered.
    void resume_receive();
    /// Stops the connection without on_closed(): the owner is tearing it down itself.
    void abort() { m_state = State::Closed; }

    State state() const { return m_state; }
    /// The open channel's relid; 0 before open and after the guest closed it.
    uint32_t relid() const { return m_endpoint ? m_endpoint->relid() : 0; }
    bool fin_sent() const { return m_fin_sent; }
    bool fin_received() const { return m_fin_received; }
    /// Delivery waits for resume_receive().
    bool receive_paused() const { return m_held_begin < m_held_end; }

private:
    enum class SendResult { Sent, Full, Failed };

    /// Writes one packet of at most `data.size()` bytes; sets `sent` to how many went.
    SendResult send_packet(std::span<const std::byte> data, size_t& sent);
    void flush_fin();
    /// Offers the held packet's rest to the owner; true when all of it was taken.
    bool deliver_held();
    void finish_if_done();
    void fail(CloseReason reason);

    OfferParams m_offer;
    Owner& m_owner;
    State m_state { State::Offered };
    ChannelEndpoint* m_endpoint { nullptr };
    bool m_blocked { false }; // The ring was full: nothing is sent until on_ring_space().
    bool m_fin_wanted { false };
    bool m_fin_sent { false };
    bool m_fin_received { false };
    size_t m_max_chunk; // Halved while the guest's ring is too small for a whole packet.
    Packet m_held; // A guest packet the owner has only partly taken, and the bytes of it
    size_t m_held_begin { 0 }; // [begin, end) still to deliver.
    size_t m_held_end { 0 };
    std::vector<std::byte> m_scratch; // The payload being sent.
};

const char* to_string(HvSockConnection::CloseReason reason);

} // namespace vmbus::hvsock
