// SPDX-License-Identifier: Apache-2.0
// The VMBus control plane (docs/vmbus.md#control-protocol): version negotiation, offers, GPADLs,
// open, close, rescind and unload, as a state machine that does no I/O. Guest messages come in
// through handle_message(); everything the host says goes out through BusHost. Runs on one thread.
#pragma once
#include "vmbus-lite/channel/device.h"
#include "vmbus-lite/control/bus_host.h"
#include "vmbus-lite/control/open_channel.h"
#include "vmbus-lite/gpadl/gpadl_table.h"
#include "vmbus-lite/protocol/parse.h"

#include <functional>
#include <map>
#include <memory>

namespace vmm {
class GuestMemory;
}

namespace vmbus {

class ControlPlane final : public ChannelOffers {
public:
    /// `memory` backs every GPADL and must outlive this object; VP numbers the guest names are
    /// checked against `vcpu_count`.
    ControlPlane(const vmm::GuestMemory& memory, uint32_t vcpu_count, BusHost& host);
    ~ControlPlane() override;
    ControlPlane(const ControlPlane&) = delete;
    ControlPlane& operator=(const ControlPlane&) = delete;

    /// Whether the guest may post control messages on `connection_id` (1, or 4 for
    /// INITIATE_CONTACT); anything else is answered HV_STATUS_INVALID_CONNECTION_ID.
    static bool is_message_connection(uint32_t connection_id);

    /// One message the guest posted (at most 240 bytes, copied). Malformed messages are logged
    /// and dropped; the guest gets every reply it waits for whenever the message allows one.
    void handle_message(std::span<const std::byte> message);

    /// The guest signalled `connection_id` (HvSignalEvent): run that channel's device.
    void on_guest_signal(uint32_t connection_id);

    /// Offers `device` (now, if the guest has asked for offers; else with the next request).
    /// Returns its relid. `device` must stay alive until removed.
    uint32_t add_device(Device& device);
    /// Takes the device off the bus: closes it and rescinds the offer.
    void remove_device(Device& device);

    // ChannelOffers: the same, for devices that offer their own sub-channels.
    void offer(Device& channel) override { (void)add_device(channel); }
    void withdraw(Device& channel) override { remove_device(channel); }

    /// Called with each TL_CONNECT_REQUEST (an hv_sock connect from the guest).
    void set_connect_handler(std::function<void(const TlConnectRequestMessage&)> handler)
    {
        m_connect_handler = std::move(handler);
    }

    bool connected() const { return m_version != 0; }
    uint32_t version() const { return m_version; }
    /// Relids of channels the guest has open, for tests and diagnostics.
    std::vector<uint32_t> open_relids() const;

private:
    enum class OfferState {
        Pending, ///< Not yet sent: the guest has not asked for offers since it connected.
        Offered,
        Rescinded, ///< Waiting for RELID_RELEASED before the relid can be reused.
    };
    struct Channel {
        Device* device {}; ///< Null once removed (a rescinded slot waits for its release).
        uint32_t relid {};
        OfferState state { OfferState::Pending };
        bool reoffer_on_release { false }; ///< A reset: offer the device again once released.
        std::unique_ptr<OpenChannel> open {};
    };

    void on_initiate_contact(const InitiateContactMessage& message);
    void on_request_offers();
    void on_gpadl_header(const GpadlHeader& header);
    void on_gpadl_body(const GpadlBody& body);
    /// Answers a completed (or failed) GPADL with GPADL_CREATED.
    void on_gpadl_progress(const vmm::Result<GpadlProgress, GpadlFailure>& progress);
    void on_gpadl_teardown(const GpadlTeardownMessage& message);
    void on_open_channel(const OpenChannelMessage& message);
    void on_close_channel(uint32_t relid);
    void on_relid_released(uint32_t relid);
    void on_unload();
    void on_modify_channel(const ModifyChannelMessage& message);

    void send_offer(const Channel& channel);
    void send_open_result(const OpenChannelMessage& message, uint32_t status);
    void close(Channel& channel);
    /// Drops every channel's open state and every GPADL: what a new connection or unload starts
    /// from.
    void reset();
    void reset_channel(Channel& channel);
    Channel* find(uint32_t relid);
    uint32_t allocate_relid() const;
    template<class T> void post(const T& message)
    {
        post_bytes(std::as_bytes(std::span(&message, 1)));
    }
    void post_bytes(std::span<const std::byte> bytes);

    const vmm::GuestMemory& m_memory;
    uint32_t m_vcpu_count;
    BusHost& m_host;
    GpadlTable m_gpadls;
    std::map<uint32_t, Channel> m_channels; // By relid.
    uint32_t m_version { 0 }; // 0 while disconnected.
    uint32_t m_control_vp { 0 }; // Where every control reply goes.
    bool m_offers_requested { false };
    std::function<void(const TlConnectRequestMessage&)> m_connect_handler;
};

/// The connection id a channel's guest signals use; unique per relid, clear of ids 1-4.
constexpr uint32_t connection_id_of(uint32_t relid)
{
    return 0x10000 + relid;
}

} // namespace vmbus
