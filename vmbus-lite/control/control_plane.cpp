// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/control/control_plane.h"
#include "base/log.h"
#include "vmbus-lite/protocol/guid.h"
#include "vmbus-lite/protocol/versions.h"

namespace vmbus {

namespace {

constexpr uint32_t max_relid = 2047; // The event-flag page has 2048 bits; the guest skips bit 0.
// Any non-zero status fails the guest's wait; this is STATUS_UNSUCCESSFUL.
constexpr uint32_t status_failure = 0xc0000001;

MessageHeader header_of(MessageType type)
{
    return MessageHeader { type, 0 };
}

std::string_view name_of(const GuestMessage& message)
{
    struct Names {
        std::string_view operator()(const RequestOffers&) { return "REQUESTOFFERS"; }
        std::string_view operator()(const Unload&) { return "UNLOAD"; }
        std::string_view operator()(const InitiateContactMessage&) { return "INITIATE_CONTACT"; }
        std::string_view operator()(const OpenChannelMessage&) { return "OPENCHANNEL"; }
        std::string_view operator()(const RelidMessage& m)
        {
            return m.header.msgtype == MessageType::CloseChannel ? "CLOSECHANNEL"
                                                                 : "RELID_RELEASED";
        }
        std::string_view operator()(const GpadlHeader&) { return "GPADL_HEADER"; }
        std::string_view operator()(const GpadlBody&) { return "GPADL_BODY"; }
        std::string_view operator()(const GpadlTeardownMessage&) { return "GPADL_TEARDOWN"; }
        std::string_view operator()(const ModifyChannelMessage&) { return "MODIFYCHANNEL"; }
        std::string_view operator()(const TlConnectRequestMessage&) { return "TL_CONNECT_REQUEST"; }
    };
    return std::visit(Names {}, message);
}

} // namespace

ControlPlane::ControlPlane(const vmm::GuestMemory& memory, uint32_t vcpu_count, BusHost& host)
    : m_memory(memory)
    , m_vcpu_count(vcpu_count)
    , m_host(host)
    , m_gpadls(memory)
{
}

ControlPlane::~ControlPlane()
{
    reset();
}

bool ControlPlane::is_message_connection(uint32_t connection_id)
{
    return connection_id == message_connection_id || connection_id == message_connection_id_4;
}

void ControlPlane::post_bytes(std::span<const std::byte> bytes)
{
    LOG_TRACE("vmbus: -> vp {} type {} ({} bytes)", m_control_vp,
        bytes.size() >= 4 ? uint32_t(bytes[0]) : 0, bytes.size());
    m_host.post_to_guest(m_control_vp, bytes);
}

void ControlPlane::handle_message(std::span<const std::byte> bytes)
{
    auto message = parse_guest_message(bytes);
    if (!message) {
        LOG_DEBUG("vmbus: dropped a malformed guest message ({} bytes, error {})", bytes.size(),
            int(message.error()));
        return;
    }
    LOG_TRACE("vmbus: <- {} ({} bytes)", name_of(*message), bytes.size());
    if (!connected() && !std::holds_alternative<InitiateContactMessage>(*message)) {
        // Before INITIATE_CONTACT there is no VP to answer on: nothing sensible to say.
        LOG_DEBUG("vmbus: {} before INITIATE_CONTACT ignored", name_of(*message));
        return;
    }
    struct Dispatch {
        ControlPlane& self;
        void operator()(const RequestOffers&) { self.on_request_offers(); }
        void operator()(const Unload&) { self.on_unload(); }
        void operator()(const InitiateContactMessage& m) { self.on_initiate_contact(m); }
        void operator()(const OpenChannelMessage& m) { self.on_open_channel(m); }
        void operator()(const RelidMessage& m)
        {
            if (m.header.msgtype == MessageType::CloseChannel) {
                self.on_close_channel(m.child_relid);
            } else {
                self.on_relid_released(m.child_relid);
            }
        }
        void operator()(const GpadlHeader& m) { self.on_gpadl_header(m); }
        void operator()(const GpadlBody& m) { self.on_gpadl_body(m); }
        void operator()(const GpadlTeardownMessage& m) { self.on_gpadl_teardown(m); }
        void operator()(const ModifyChannelMessage& m) { self.on_modify_channel(m); }
        void operator()(const TlConnectRequestMessage& m)
        {
            if (self.m_connect_handler) {
                self.m_connect_handler(m);
            } else {
                LOG_DEBUG("vmbus: hv_sock connect to service {} refused: no listener",
                    to_string(m.host_service_id));
            }
        }
    };
    std::visit(Dispatch { *this }, *message);
}

void ControlPlane::on_initiate_contact(const InitiateContactMessage& message)
{
    // Every INITIATE_CONTACT starts over: a rebooted or kexec'd guest, or hv_vmbus reloaded.
    reset();
    m_version = 0;
    m_offers_requested = false;
    const uint32_t version = message.vmbus_version_requested;
    // A VP the guest does not have would leave the reply nowhere; VP 0 always exists.
    m_control_vp = message.target_vcpu < m_vcpu_count ? message.target_vcpu : 0;
    const bool supported = is_supported_version(version)
        && (version < version_win10_v5 || (message.interrupt_page_or_sint & 0xff) == 2);
    VersionResponseMessage response {};
    response.header = header_of(MessageType::VersionResponse);
    response.version_supported = supported ? 1 : 0;
    response.connection_state = supported ? 1 : 0;
    response.msg_conn_id = message_connection_id;
    if (supported) {
        m_version = version;
        LOG_DEBUG("vmbus: guest connected, protocol {}.{}", version >> 16, version & 0xffff);
    } else {
        LOG_DEBUG("vmbus: protocol {}.{} declined", version >> 16, version & 0xffff);
    }
    post(response);
}

void ControlPlane::on_request_offers()
{
    m_offers_requested = true;
    for (auto& [relid, channel] : m_channels) {
        if (channel.state == OfferState::Pending) {
            channel.state = OfferState::Offered;
            send_offer(channel);
        }
    }
    MessageHeader all_delivered = header_of(MessageType::AllOffersDelivered);
    post(all_delivered);
}

void ControlPlane::send_offer(const Channel& channel)
{
    const OfferParams params = channel.device->offer();
    OfferChannelMessage offer {};
    offer.header = header_of(MessageType::OfferChannel);
    offer.if_type = params.interface_type;
    offer.if_instance = params.interface_instance;
    offer.chn_flags = params.channel_flags;
    offer.user_def = params.user_defined;
    offer.sub_channel_index = params.subchannel_index;
    offer.child_relid = channel.relid;
    offer.monitorid = 0xff;
    offer.monitor_allocated = 0; // KVM cannot back monitor pages: the guest signals by hypercall.
    offer.is_dedicated_interrupt = 1;
    offer.connection_id = connection_id_of(channel.relid);
    LOG_DEBUG("vmbus: offering relid {} class {}", channel.relid, to_string(params.interface_type));
    post(offer);
}

void ControlPlane::on_gpadl_header(const GpadlHeader& header)
{
    LOG_TRACE("vmbus: gpadl {:#x} for relid {}: {} pages", header.gpadl, header.child_relid,
        header.page_count);
    on_gpadl_progress(m_gpadls.add_header(header));
}

void ControlPlane::on_gpadl_body(const GpadlBody& body)
{
    on_gpadl_progress(m_gpadls.add_body(body));
}

void ControlPlane::on_gpadl_progress(const vmm::Result<GpadlProgress, GpadlFailure>& progress)
{
    GpadlCreatedMessage created {};
    created.header = header_of(MessageType::GpadlCreated);
    if (progress) {
        if (!progress->complete) {
            return;
        }
        created.gpadl = progress->gpadl;
        created.child_relid = progress->child_relid;
        LOG_TRACE("vmbus: gpadl {:#x} created", created.gpadl);
    } else {
        const GpadlFailure& failure = progress.error();
        LOG_WARN("vmbus: guest GPADL {:#x} refused: {}", failure.gpadl, to_string(failure.error));
        if (!failure.child_relid) {
            return; // A body for no GPADL we know: the guest is not waiting on anything of ours.
        }
        created.gpadl = failure.gpadl;
        created.child_relid = *failure.child_relid;
        created.creation_status = status_failure;
    }
    post(created);
}

void ControlPlane::on_gpadl_teardown(const GpadlTeardownMessage& message)
{
    if (!m_gpadls.remove(message.gpadl)) {
        LOG_DEBUG("vmbus: teardown of unknown gpadl {:#x}", message.gpadl);
    }
    // Open rings keep pointing at guest RAM, which outlives them: a guest that frees the pages of
    // an open ring only corrupts its own channel. Always answer: the guest waits without timeout.
    GpadlTorndownMessage torndown {};
    torndown.header = header_of(MessageType::GpadlTorndown);
    torndown.gpadl = message.gpadl;
    post(torndown);
}

void ControlPlane::send_open_result(const OpenChannelMessage& message, uint32_t status)
{
    OpenChannelResultMessage result {};
    result.header = header_of(MessageType::OpenChannelResult);
    result.child_relid = message.child_relid;
    result.openid = message.openid;
    result.status = status;
    post(result);
}

void ControlPlane::on_open_channel(const OpenChannelMessage& message)
{
    Channel* channel = find(message.child_relid);
    if (!channel || channel->state == OfferState::Rescinded) {
        // The guest gives up on a rescinded channel by itself; a relid we never offered gets a
        // failure so nothing waits.
        if (!channel) {
            send_open_result(message, status_failure);
        }
        return;
    }
    if (channel->state != OfferState::Offered || channel->open
        || message.target_vp >= m_vcpu_count) {
        LOG_WARN("vmbus: OPENCHANNEL for relid {} refused (state, or vp {})", message.child_relid,
            message.target_vp);
        send_open_result(message, status_failure);
        return;
    }
    const Gpadl* gpadl = m_gpadls.find(message.ringbuffer_gpadlhandle);
    if (!gpadl) {
        LOG_WARN("vmbus: OPENCHANNEL for relid {} names unknown gpadl {:#x}", message.child_relid,
            message.ringbuffer_gpadlhandle);
        send_open_result(message, status_failure);
        return;
    }
    auto rings = map_ring_pair(m_memory, *gpadl, message.downstream_ringbuffer_pageoffset);
    if (!rings) {
        LOG_WARN("vmbus: relid {}: ring GPADL unusable: {}", message.child_relid,
            to_string(rings.error()));
        send_open_result(message, status_failure);
        return;
    }
    const uint32_t connection_id = connection_id_of(channel->relid);
    if (!m_host.watch_connection(connection_id)) {
        send_open_result(message, status_failure);
        return;
    }
    channel->open = std::make_unique<OpenChannel>(
        channel->relid, message.target_vp, std::move(rings).value(), m_host);
    if (!channel->device->opened(*channel->open, message.userdata)) {
        m_host.unwatch_connection(connection_id);
        channel->open.reset();
        send_open_result(message, status_failure);
        return;
    }
    LOG_DEBUG("vmbus: relid {} open on vp {}", channel->relid, message.target_vp);
    send_open_result(message, 0);
}

void ControlPlane::close(Channel& channel)
{
    if (!channel.open) {
        return;
    }
    m_host.unwatch_connection(connection_id_of(channel.relid));
    if (channel.device) {
        channel.device->closed(*channel.open);
    }
    channel.open.reset();
    LOG_DEBUG("vmbus: relid {} closed", channel.relid);
}

void ControlPlane::on_close_channel(uint32_t relid)
{
    if (Channel* channel = find(relid)) {
        close(*channel); // No reply: the guest does not wait for one.
    }
}

void ControlPlane::on_relid_released(uint32_t relid)
{
    Channel* channel = find(relid);
    if (!channel || channel->state != OfferState::Rescinded) {
        return;
    }
    close(*channel);
    if (channel->reoffer_on_release && channel->device) {
        channel->reoffer_on_release = false;
        channel->state = OfferState::Offered;
        send_offer(*channel); // The reset's second half: the driver probes a fresh channel.
    } else {
        m_channels.erase(relid);
    }
}

void ControlPlane::on_unload()
{
    reset();
    m_version = 0;
    m_offers_requested = false;
    MessageHeader response = header_of(MessageType::UnloadResponse);
    post(response);
    LOG_DEBUG("vmbus: guest unloaded");
}

void ControlPlane::on_modify_channel(const ModifyChannelMessage& message)
{
    Channel* channel = find(message.child_relid);
    uint32_t status = status_failure;
    if (channel && channel->open && message.target_vp < m_vcpu_count) {
        channel->open->retarget(message.target_vp);
        status = 0;
    }
    if (m_version >= version_win10_v5_3) { // Only 5.3 guests wait for the answer.
        ModifyChannelResponseMessage response {};
        response.header = header_of(MessageType::ModifyChannelResponse);
        response.child_relid = message.child_relid;
        response.status = status;
        post(response);
    }
}

void ControlPlane::on_guest_signal(uint32_t connection_id)
{
    const uint32_t relid = connection_id - connection_id_of(0);
    Channel* channel = find(relid);
    if (!channel || !channel->open || !channel->device) {
        return; // A signal racing a close.
    }
    if (!channel->open->service(*channel->device)) {
        // A corrupt ring: take the channel away and offer it afresh once the guest lets go.
        close(*channel);
        channel->state = OfferState::Rescinded;
        channel->reoffer_on_release = true;
        RescindChannelOfferMessage rescind {};
        rescind.header = header_of(MessageType::RescindChannelOffer);
        rescind.child_relid = relid;
        post(rescind);
    }
}

uint32_t ControlPlane::allocate_relid() const
{
    for (uint32_t relid = 1; relid <= max_relid; ++relid) {
        if (!m_channels.contains(relid)) {
            return relid;
        }
    }
    return 0;
}

uint32_t ControlPlane::add_device(Device& device)
{
    const uint32_t relid = allocate_relid();
    if (relid == 0) {
        LOG_ERROR("vmbus: no free relid for another channel");
        return 0;
    }
    Channel& channel
        = m_channels.emplace(relid, Channel { .device = &device, .relid = relid }).first->second;
    if (connected() && m_offers_requested) {
        channel.state = OfferState::Offered;
        send_offer(channel);
    }
    return relid;
}

void ControlPlane::remove_device(Device& device)
{
    for (auto it = m_channels.begin(); it != m_channels.end(); ++it) {
        Channel& channel = it->second;
        if (channel.device != &device) {
            continue;
        }
        close(channel);
        channel.device = nullptr;
        if (channel.state == OfferState::Offered) {
            channel.state = OfferState::Rescinded;
            channel.reoffer_on_release = false;
            RescindChannelOfferMessage rescind {};
            rescind.header = header_of(MessageType::RescindChannelOffer);
            rescind.child_relid = channel.relid;
            post(rescind);
        } else if (channel.state == OfferState::Pending) {
            m_channels.erase(it);
        }
        return;
    }
}

std::vector<uint32_t> ControlPlane::open_relids() const
{
    std::vector<uint32_t> relids;
    for (const auto& [relid, channel] : m_channels) {
        if (channel.open) {
            relids.push_back(relid);
        }
    }
    return relids;
}

void ControlPlane::reset_channel(Channel& channel)
{
    close(channel);
    channel.state = OfferState::Pending;
    channel.reoffer_on_release = false;
}

void ControlPlane::reset()
{
    for (auto it = m_channels.begin(); it != m_channels.end();) {
        if (!it->second.device) {
            close(it->second);
            it = m_channels.erase(it); // Removed devices have nothing to offer a new connection.
        } else {
            reset_channel(it->second);
            ++it;
        }
    }
    m_gpadls.clear();
}

ControlPlane::Channel* ControlPlane::find(uint32_t relid)
{
    auto it = m_channels.find(relid);
    return it == m_channels.end() ? nullptr : &it->second;
}

} // namespace vmbus
