// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/storvsp/vstor_packet.h"

#include "base/bytes.h"

#include <algorithm>
#include <cstring>

namespace vmbus::storvsp {

namespace {

// Payload offsets of vmstorage_protocol_version and vmstorage_channel_properties.
constexpr size_t version_major_minor_at = 0;
constexpr size_t properties_max_channel_count_at = 4;
constexpr size_t properties_flags_at = 8;
constexpr size_t properties_max_transfer_bytes_at = 12;
constexpr uint32_t supports_multi_channel = 1;

/// A COMPLETE_IO header with `status`, flags 0 and a zero payload; the guest checks the operation
/// of every completion during initialization.
Reply completion(uint32_t status, size_t size)
{
    Reply reply;
    reply.size = std::clamp(size, packet_size_for(version_win6), vstor_packet_size);
    vmm::store_le(std::span(reply.bytes), 0, static_cast<uint32_t>(Operation::CompleteIo));
    vmm::store_le(std::span(reply.bytes), 8, status);
    return reply;
}

std::span<std::byte> payload_of(Reply& reply)
{
    return std::span(reply.bytes).subspan(vstor_header_size);
}

} // namespace

VmscsiRequest VstorPacket::srb() const
{
    VmscsiRequest request;
    // SAFETY: payload is exactly sizeof(VmscsiRequest) bytes; VmscsiRequest is trivially copyable.
    static_assert(sizeof(request) == sizeof(payload));
    std::memcpy(&request, payload.data(), sizeof(request));
    return request;
}

uint16_t VstorPacket::major_minor() const
{
    return vmm::load_le<uint16_t>(payload, version_major_minor_at);
}

uint16_t VstorPacket::sub_channel_count() const
{
    return vmm::load_le<uint16_t>(payload, 0);
}

vmm::Result<VstorPacket, PacketError> parse_vstor_packet(
    std::span<const std::byte> payload, uint16_t protocol_version)
{
    if (payload.size() < packet_size_for(protocol_version)) {
        return vmm::unexpected(PacketError::Truncated);
    }
    VstorPacket packet;
    packet.size = std::min(payload.size(), vstor_packet_size);
    packet.operation = vmm::load_le<uint32_t>(payload, 0);
    packet.flags = vmm::load_le<uint32_t>(payload, 4);
    packet.status = vmm::load_le<uint32_t>(payload, 8);
    const auto rest = payload.subspan(vstor_header_size, packet.size - vstor_header_size);
    std::copy(rest.begin(), rest.end(), packet.payload.begin());
    return packet;
}

Reply encode_status_reply(uint32_t status, size_t size)
{
    return completion(status, size);
}

Reply encode_version_reply(uint32_t status, uint16_t major_minor, size_t size)
{
    Reply reply = completion(status, size);
    vmm::store_le(payload_of(reply), version_major_minor_at, major_minor);
    return reply;
}

Reply encode_properties_reply(const ChannelProperties& properties, size_t size)
{
    Reply reply = completion(nt_status::success, size);
    const auto payload = payload_of(reply);
    vmm::store_le(payload, properties_max_channel_count_at, properties.max_channel_count);
    vmm::store_le(
        payload, properties_flags_at, properties.multi_channel ? supports_multi_channel : 0U);
    vmm::store_le(payload, properties_max_transfer_bytes_at, properties.max_transfer_bytes);
    return reply;
}

Reply encode_srb_completion(const VmscsiRequest& request, const SrbOutcome& outcome, size_t size)
{
    Reply reply = completion(outcome.nt_status, size);
    VmscsiRequest echo = request;
    const bool pre_win8 = reply.size < vstor_packet_size;
    echo.length = static_cast<uint16_t>(reply.size - vstor_header_size);
    echo.srb_status = outcome.srb_status;
    echo.scsi_status = outcome.scsi_status;
    echo.data_transfer_length = std::min(outcome.bytes_transferred, request.data_transfer_length);
    // The CDB and sense share one area: clear the CDB so no stale command bytes read as sense.
    echo.cdb_or_sense = {};
    const size_t sense_size = std::min({ size_t(request.sense_info_length),
        pre_win8 ? pre_win8_sense_buffer_size : sense_buffer_size, outcome.sense.size() });
    std::copy_n(
        outcome.sense.begin(), sense_size, reinterpret_cast<std::byte*>(echo.cdb_or_sense.data()));
    echo.sense_info_length = static_cast<uint8_t>(sense_size);
    if (sense_size != 0) {
        echo.srb_status |= srb_status::autosense_valid;
    }
    // SAFETY: payload_of(reply) has 52 bytes, sizeof(echo); bytes past reply.size are not sent.
    std::memcpy(payload_of(reply).data(), &echo, sizeof(echo));
    return reply;
}

} // namespace vmbus::storvsp
