// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/storvsp/negotiation.h"

#include <algorithm>

namespace vmbus::storvsp {

namespace {

Step reply(Reply r)
{
    return Step { r, std::nullopt };
}

Step status(uint32_t nt, size_t size)
{
    return reply(encode_status_reply(nt, size));
}

/// An SRB refused before it reaches the SCSI layer: echoed with `srb`, nothing moved. Linux
/// fails such a command instead of waiting for it.
Step refuse_srb(const VstorPacket& packet, uint32_t nt, uint8_t srb, size_t size)
{
    return reply(encode_srb_completion(packet.srb(), SrbOutcome { nt, srb, 0, 0, {} }, size));
}

} // namespace

bool version_supported(uint16_t major_minor)
{
    return major_minor == version_win8 || major_minor == version_win8_1
        || major_minor == version_win10;
}

Negotiation::Negotiation(const StorvspConfig& config)
    : Negotiation(config, Phase::AwaitBegin, version_win6, true)
{
}

Negotiation::Negotiation(const StorvspConfig& config, Phase phase, uint16_t version, bool primary)
    : m_config(config)
    , m_phase(phase)
    , m_version(version)
    , m_primary(primary)
{
}

Negotiation Negotiation::sub_channel(const StorvspConfig& config, uint16_t version)
{
    return Negotiation(config, Phase::Ready, version, false);
}

Step Negotiation::handle(const VstorPacket& packet)
{
    // Echo the size the guest used (at least its version's, parse_vstor_packet checked): Linux
    // drops any completion shorter than the 64 bytes it sends.
    const size_t size = packet.size;
    const auto expect = [&](Phase now, Phase next) {
        if (!m_primary || m_phase != now) {
            return status(nt_status::invalid_device_state, size);
        }
        m_phase = next;
        return status(nt_status::success, size);
    };
    switch (static_cast<Operation>(packet.operation)) {
    case Operation::BeginInitialization:
        return expect(Phase::AwaitBegin, Phase::AwaitVersion);
    case Operation::QueryProtocolVersion:
        return query_version(packet, size);
    case Operation::QueryProperties:
        if (!m_primary || m_phase != Phase::AwaitProperties) {
            return status(nt_status::invalid_device_state, size);
        }
        m_phase = Phase::AwaitEnd;
        return reply(encode_properties_reply(
            ChannelProperties { m_config.max_sub_channels, m_config.max_sub_channels != 0,
                m_config.max_transfer_bytes },
            size));
    case Operation::EndInitialization:
        return expect(Phase::AwaitEnd, Phase::Ready);
    case Operation::CreateSubChannels:
        return create_sub_channels(packet, size);
    case Operation::ExecuteSrb:
        return execute_srb(packet, size);
    case Operation::ResetLun:
    case Operation::ResetAdapter:
    case Operation::ResetBus:
        // Requests complete only when the backend answers, so there is nothing to abort here;
        // the guest's reset handler then waits for the SRBs still outstanding.
        return status(
            m_phase == Phase::Ready ? nt_status::success : nt_status::invalid_device_state, size);
    default:
        // COMPLETE_IO, REMOVE_DEVICE, ENUMERATE_BUS and FCHBA_DATA go host to guest only.
        return status(nt_status::invalid_device_state, size);
    }
}

Step Negotiation::query_version(const VstorPacket& packet, size_t size)
{
    const uint16_t offered = packet.major_minor();
    if (!m_primary || m_phase != Phase::AwaitVersion) {
        return reply(encode_version_reply(nt_status::invalid_device_state, offered, size));
    }
    // A refusal keeps the phase: Linux offers its next lower version on the same channel.
    if (!version_supported(offered)) {
        return reply(encode_version_reply(nt_status::revision_mismatch, offered, size));
    }
    m_version = offered;
    m_phase = Phase::AwaitProperties;
    return reply(encode_version_reply(nt_status::success, offered, size));
}

Step Negotiation::create_sub_channels(const VstorPacket& packet, size_t size)
{
    // Sub-channels are offered once per open of the primary; a second request would ask for
    // offers the guest already has.
    if (!m_primary || m_phase != Phase::Ready || m_sub_channels != 0) {
        return status(nt_status::invalid_device_state, size);
    }
    const uint16_t count = packet.sub_channel_count();
    if (count == 0 || count > m_config.max_sub_channels) {
        return status(nt_status::invalid_parameter, size);
    }
    m_sub_channels = count;
    return status(nt_status::success, size);
}

Step Negotiation::execute_srb(const VstorPacket& packet, size_t size) const
{
    if (m_phase != Phase::Ready) {
        return refuse_srb(packet, nt_status::invalid_device_state, srb_status::error, size);
    }
    const VmscsiRequest request = packet.srb();
    if (request.cdb_length > max_cdb_length
        || request.data_in > static_cast<uint8_t>(DataDirection::None)
        || request.data_transfer_length > m_config.max_transfer_bytes) {
        return refuse_srb(packet, nt_status::invalid_parameter, srb_status::invalid_request, size);
    }
    ExecuteSrb srb;
    srb.request = request;
    srb.path_id = request.path_id;
    srb.target_id = request.target_id;
    srb.lun = request.lun;
    srb.cdb_length = request.cdb_length;
    std::copy_n(packet.payload.begin() + offsetof(VmscsiRequest, cdb_or_sense), request.cdb_length,
        srb.cdb.begin());
    srb.direction = static_cast<DataDirection>(request.data_in);
    srb.transfer_length = request.data_transfer_length;
    srb.reply_size = size;
    return Step { std::nullopt, srb };
}

} // namespace vmbus::storvsp
