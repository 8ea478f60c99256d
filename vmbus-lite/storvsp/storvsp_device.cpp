// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/storvsp/storvsp_device.h"

#include "base/check.h"
#include "base/log.h"
#include "vmbus-lite/scsi/sense.h"

#include <cerrno>
#include <type_traits>
#include <utility>

namespace vmbus::storvsp {

namespace {

constexpr uint8_t scsi_status_good = 0x00;
constexpr uint8_t scsi_status_check_condition = 0x02;

/// CHECK CONDITION with sense: Linux hands the sense to its SCSI midlayer, which retries or fails
/// the command by its sense key. ERROR without sense would make it offline the disk.
struct CheckCondition {
    std::array<std::byte, scsi::fixed_sense_size> sense;
    SrbOutcome outcome() const
    {
        return {
            .srb_status = uint8_t(srb_status::error | srb_status::autosense_valid),
            .scsi_status = scsi_status_check_condition,
            .sense = sense,
        };
    }
};

CheckCondition check_condition(scsi::Sense sense)
{
    return { scsi::encode_fixed_sense(sense) };
}

SrbOutcome good(uint32_t bytes)
{
    return { .scsi_status = scsi_status_good, .bytes_transferred = bytes };
}

/// A request the host cannot even look at (no usable data buffer): no sense, since there is no
/// SCSI answer; Linux fails the command.
SrbOutcome invalid_request()
{
    return { .nt_status = nt_status::invalid_parameter, .srb_status = srb_status::invalid_request };
}

/// How a failed backend I/O reads to the guest.
scsi::Sense sense_for_io_error(BlockOp op, int error)
{
    if (error == ENOSPC || error == EDQUOT) {
        return scsi::space_allocation_failed;
    }
    switch (op) {
    case BlockOp::Read:
        return scsi::unrecovered_read_error;
    case BlockOp::Write:
        return scsi::write_error;
    case BlockOp::Flush:
    case BlockOp::Discard:
        break;
    }
    return scsi::medium_error;
}

} // namespace

StorvspDevice::StorvspDevice(const vmm::GuestMemory& memory, std::vector<Lun> luns,
    StorvspOptions options, ChannelOffers* sub_channel_offers)
    : m_memory(memory)
    , m_options(options)
    , m_offers(sub_channel_offers)
    , m_luns(std::move(luns))
{
    CHECK(m_luns.size() <= max_luns);
    for (size_t i = 0; i < m_luns.size(); ++i) {
        m_lun_numbers.push_back(uint8_t(i));
    }
    if (m_offers == nullptr) {
        m_options.protocol.max_sub_channels = 0; // Never promise what cannot be offered.
    }
}

StorvspDevice::~StorvspDevice()
{
    for (auto& sub : m_sub_channels) {
        m_offers->withdraw(*sub);
    }
}

OfferParams StorvspDevice::offer() const
{
    return { .interface_type = class_id, .interface_instance = m_options.instance };
}

OfferParams StorvspDevice::SubChannel::offer() const
{
    OfferParams params = m_owner.offer();
    params.subchannel_index = m_index;
    return params;
}

bool StorvspDevice::SubChannel::opened(ChannelEndpoint& endpoint, std::span<const uint8_t>)
{
    if (m_owner.m_primary_version == 0) {
        return false; // Linux opens sub-channels only after the primary negotiated.
    }
    m_owner.open_channel(
        endpoint, Negotiation::sub_channel(m_owner.m_options.protocol, m_owner.m_primary_version));
    return true;
}

bool StorvspDevice::opened(ChannelEndpoint& endpoint, std::span<const uint8_t>)
{
    open_channel(endpoint, Negotiation(m_options.protocol));
    return true;
}

void StorvspDevice::open_channel(ChannelEndpoint& endpoint, Negotiation negotiation)
{
    const uint64_t id = m_next_channel_id++;
    m_channels.emplace(
        id, Channel { .id = id, .endpoint = &endpoint, .negotiation = std::move(negotiation) });
}

void StorvspDevice::offer_sub_channels(const Negotiation& primary)
{
    // Offered once for the device's life: a guest that reconnects (driver reload) keeps using the
    // primary alone, which serves every request just the same.
    if (!m_sub_channels.empty() || m_offers == nullptr) {
        return;
    }
    for (uint16_t index = 1; index <= primary.sub_channels_requested(); ++index) {
        m_sub_channels.push_back(std::make_unique<SubChannel>(*this, index));
        m_offers->offer(*m_sub_channels.back());
    }
}

void StorvspDevice::closed(ChannelEndpoint& endpoint)
{
    // I/O still in the backends completes into guest memory the guest gave it, and its
    // completion is dropped: the channel it would go to is gone.
    if (Channel* channel = find(endpoint)) {
        m_channels.erase(channel->id);
    }
}

void StorvspDevice::on_packets(ChannelEndpoint& endpoint)
{
    if (Channel* channel = find(endpoint)) {
        drain(*channel);
    }
}

void StorvspDevice::on_ring_space(ChannelEndpoint& endpoint)
{
    on_packets(endpoint);
}

uint32_t StorvspDevice::in_flight(const ChannelEndpoint& endpoint) const
{
    const Channel* channel = find(endpoint);
    return channel ? channel->in_flight : 0;
}

const StorvspDevice::Channel* StorvspDevice::find(const ChannelEndpoint& endpoint) const
{
    for (const auto& [id, channel] : m_channels) {
        if (channel.endpoint == &endpoint) {
            return &channel;
        }
    }
    return nullptr;
}

StorvspDevice::Channel* StorvspDevice::find(const ChannelEndpoint& endpoint)
{
    return const_cast<Channel*>(std::as_const(*this).find(endpoint));
}

void StorvspDevice::drain(Channel& channel)
{
    send_unsent(channel);
    // Nothing is read while completions wait for ring room or the channel is at its limit: the
    // guest's requests stay in its own ring, and it gets no more room to send until it reads.
    while (
        !channel.broken && channel.unsent.empty() && channel.in_flight < m_options.max_in_flight) {
        auto packet = channel.endpoint->receive();
        if (!packet) {
            if (packet.error() != RingError::Empty) {
                LOG_WARN("storvsp relid {}: the guest's ring is corrupt; the channel stops",
                    channel.endpoint->relid());
                channel.broken = true;
            }
            break;
        }
        handle(channel, *packet);
    }
    kick_backends();
}

void StorvspDevice::handle(Channel& channel, const Packet& packet)
{
    const uint64_t trans_id = packet.descriptor.trans_id;
    const uint16_t type = packet.descriptor.type;
    if (type != VM_PKT_DATA_INBAND && type != VM_PKT_DATA_USING_GPA_DIRECT) {
        // Linux sends requests only; a completion or transfer-page packet has nothing to answer.
        LOG_DEBUG(
            "storvsp relid {}: ignoring a packet of type {}", channel.endpoint->relid(), type);
        return;
    }
    ++channel.in_flight;
    const size_t reply_size = packet_size_for(channel.negotiation.version());
    auto parsed = parse_vstor_packet(packet.payload(), channel.negotiation.version());
    if (!parsed) {
        complete(channel, trans_id, encode_status_reply(nt_status::invalid_parameter, reply_size));
        return;
    }
    // Every packet gets exactly one of the two (Negotiation::handle).
    Step step = channel.negotiation.handle(*parsed);
    if (step.srb) {
        execute(channel, packet, *step.srb);
        return;
    }
    complete(channel, trans_id, *step.reply);
    if (channel.negotiation.phase() == Negotiation::Phase::Ready && m_primary_version == 0) {
        m_primary_version = channel.negotiation.version();
    }
    if (channel.negotiation.sub_channels_requested() > 0) {
        offer_sub_channels(channel.negotiation);
    }
}

void StorvspDevice::execute(Channel& channel, const Packet& packet, const ExecuteSrb& srb)
{
    const uint64_t trans_id = packet.descriptor.trans_id;
    if (srb.transfer_length == 0) {
        run_command(channel, trans_id, srb, DataBuffer {});
        return;
    }
    // The data lives in the pages the packet lists; an INBAND packet with data has none.
    auto range = parse_gpa_range(packet, m_options.protocol.max_transfer_bytes);
    if (!range) {
        complete_srb(channel, trans_id, srb, invalid_request());
        return;
    }
    auto buffer = DataBuffer::map(m_memory, *range, srb.transfer_length);
    if (!buffer) {
        complete_srb(channel, trans_id, srb, invalid_request());
        return;
    }
    run_command(channel, trans_id, srb, *buffer);
}

void StorvspDevice::run_command(
    Channel& channel, uint64_t trans_id, const ExecuteSrb& srb, const DataBuffer& buffer)
{
    auto command = scsi::parse_cdb(std::span(srb.cdb).first(srb.cdb_length));
    if (!command) {
        complete_srb(channel, trans_id, srb, check_condition(command.error()).outcome());
        return;
    }
    // One target (path 0, target 0) holds every LUN; REPORT LUNS is the target's to answer.
    const bool on_target = srb.path_id == 0 && srb.target_id == 0;
    const std::span<const uint8_t> target_luns
        = on_target ? std::span(m_lun_numbers) : std::span<const uint8_t> {};
    Lun* lun = on_target && srb.lun < m_luns.size() ? &m_luns[srb.lun] : nullptr;

    std::optional<scsi::Answer> answer;
    if (const auto* report = std::get_if<scsi::ReportLuns>(&*command)) {
        answer = scsi::report_luns(*report, target_luns, buffer.size());
    } else if (lun) {
        const bool needs_data_out = std::holds_alternative<scsi::Unmap>(*command);
        answer = lun->disk.execute(*command,
            needs_data_out ? buffer.copy_out() : std::vector<std::byte> {}, buffer.size());
    } else {
        answer = scsi::execute_without_lun(*command, target_luns, buffer.size());
    }
    if (!answer) {
        complete_srb(channel, trans_id, srb,
            { .nt_status = nt_status::invalid_device_state,
                .srb_status = srb_status::invalid_lun });
        return;
    }

    const auto fail = [&](scsi::Sense sense) {
        complete_srb(channel, trans_id, srb, check_condition(sense).outcome());
    };
    std::visit(
        [&](const auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, scsi::DataIn>) {
                buffer.copy_in(a.bytes);
                complete_srb(channel, trans_id, srb, good(uint32_t(a.bytes.size())));
            } else if constexpr (std::is_same_v<T, scsi::Failure>) {
                fail(a.sense);
            } else if constexpr (std::is_same_v<T, scsi::Read> || std::is_same_v<T, scsi::Write>) {
                const uint32_t block_size = lun->disk.config().block_size;
                const uint64_t bytes = uint64_t(a.blocks) * block_size;
                if (bytes != buffer.size()) {
                    fail(scsi::invalid_field_in_cdb); // Never a partial transfer.
                    return;
                }
                BlockRequest request {
                    .op = std::is_same_v<T, scsi::Read> ? BlockOp::Read : BlockOp::Write,
                    .offset = a.lba * block_size,
                    .buffers = buffer.iovecs(),
                };
                if constexpr (std::is_same_v<T, scsi::Write>) {
                    request.fua = a.fua;
                }
                const BlockOp op = request.op;
                submit(
                    *lun, std::move(request), { channel.id, trans_id, srb, uint32_t(bytes), op });
            } else if constexpr (std::is_same_v<T, scsi::Flush>) {
                submit(*lun, { .op = BlockOp::Flush },
                    { channel.id, trans_id, srb, 0, BlockOp::Flush });
            } else if constexpr (std::is_same_v<T, scsi::Discard>) {
                const uint32_t block_size = lun->disk.config().block_size;
                BlockRequest request { .op = BlockOp::Discard };
                for (const auto& range : a.ranges) {
                    request.discard.push_back(
                        { range.lba * block_size, uint64_t(range.blocks) * block_size });
                }
                submit(
                    *lun, std::move(request), { channel.id, trans_id, srb, 0, BlockOp::Discard });
            }
        },
        *answer);
}

void StorvspDevice::submit(Lun& lun, BlockRequest request, Pending pending)
{
    lun.backend->submit(std::move(request),
        [this, pending = std::move(pending)](int error) { on_io_done(pending, error); });
}

void StorvspDevice::on_io_done(const Pending& pending, int error)
{
    auto it = m_channels.find(pending.channel_id);
    if (it == m_channels.end()) {
        return; // Closed meanwhile: nobody waits for this completion.
    }
    Channel& channel = it->second;
    if (error != 0) {
        LOG_DEBUG("storvsp relid {}: I/O failed: {}", channel.endpoint->relid(), error);
        complete_srb(channel, pending.trans_id, pending.srb,
            check_condition(sense_for_io_error(pending.op, error)).outcome());
    } else {
        complete_srb(channel, pending.trans_id, pending.srb, good(pending.bytes));
    }
    // Completions free room: read what the guest queued while the channel was at its limit.
    drain(channel);
}

void StorvspDevice::complete_srb(
    Channel& channel, uint64_t trans_id, const ExecuteSrb& srb, const SrbOutcome& outcome)
{
    complete(channel, trans_id, encode_srb_completion(srb.request, outcome, srb.reply_size));
}

void StorvspDevice::complete(Channel& channel, uint64_t trans_id, const Reply& reply)
{
    channel.unsent.push_back({ trans_id, reply });
    send_unsent(channel);
}

void StorvspDevice::send_unsent(Channel& channel)
{
    while (!channel.broken && !channel.unsent.empty()) {
        const Completion& next = channel.unsent.front();
        // Flags 0: the guest acknowledges nothing.
        const PacketDescriptor descriptor { .type = VM_PKT_COMP, .trans_id = next.trans_id };
        auto sent = channel.endpoint->send(descriptor, next.reply.view());
        if (!sent) {
            if (sent.error() != RingError::Full) {
                LOG_WARN("storvsp relid {}: cannot write to the guest's ring; the channel stops",
                    channel.endpoint->relid());
                channel.broken = true;
            }
            return; // Full: on_ring_space() comes back here.
        }
        channel.unsent.pop_front();
        --channel.in_flight;
    }
}

void StorvspDevice::kick_backends()
{
    for (Lun& lun : m_luns) {
        lun.backend->kick();
    }
}

} // namespace vmbus::storvsp
