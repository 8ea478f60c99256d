// SPDX-License-Identifier: Apache-2.0
// The vstor protocol's wire format (docs/storvsp.md#wire-format): the 64-byte vstor_packet every
// request and completion carries, the SCSI request block inside it, and the completions the host
// sends. Pure: bytes in, bytes out. Layouts and constants from Linux's
// drivers/scsi/storvsc_drv.c (struct vstor_packet, struct vmscsi_request).
#pragma once
#include "base/result.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace vmbus::storvsp {

/// enum vstor_packet_operation.
enum class Operation : uint32_t {
    CompleteIo = 1,
    RemoveDevice = 2,
    ExecuteSrb = 3,
    ResetLun = 4,
    ResetAdapter = 5,
    ResetBus = 6,
    BeginInitialization = 7,
    EndInitialization = 8,
    QueryProtocolVersion = 9,
    QueryProperties = 10,
    EnumerateBus = 11,
    FchbaData = 12,
    CreateSubChannels = 13,
};

/// Protocol versions, major << 8 | minor (VMSTOR_PROTO_VERSION). Linux 6.x offers WIN10, then
/// WIN8_1, then WIN8; the two older ones are only named to size their shorter packets.
constexpr uint16_t version_win6 = 0x0200;
constexpr uint16_t version_win7 = 0x0402;
constexpr uint16_t version_win8 = 0x0501;
constexpr uint16_t version_win8_1 = 0x0600;
constexpr uint16_t version_win10 = 0x0602;

/// NT status values in vstor_packet.status. Linux only tests for zero; the non-zero values are the
/// ones Hyper-V uses for the same refusals, so logs read the same.
namespace nt_status {
constexpr uint32_t success = 0;
constexpr uint32_t invalid_parameter = 0xC000000D;
constexpr uint32_t revision_mismatch = 0xC0000059;
constexpr uint32_t invalid_device_state = 0xC0000184;
} // namespace nt_status

/// SRB status values (vmscsi_request.srb_status); bit 7 says the sense area holds sense.
namespace srb_status {
constexpr uint8_t success = 0x01;
constexpr uint8_t aborted = 0x02;
constexpr uint8_t error = 0x04;
constexpr uint8_t invalid_request = 0x06;
constexpr uint8_t data_overrun = 0x12;
constexpr uint8_t invalid_lun = 0x20;
constexpr uint8_t autosense_valid = 0x80;
} // namespace srb_status

/// vmscsi_request.data_in.
enum class DataDirection : uint8_t {
    Write = 0, ///< The guest's buffer goes to the disk: the host reads guest pages.
    Read = 1, ///< The disk's data goes to the guest: the host writes guest pages.
    None = 2,
};

constexpr size_t vstor_packet_size = 64;
constexpr size_t vstor_header_size = 12; // operation, flags, status
constexpr size_t vmscsi_request_size = 52;
constexpr size_t max_cdb_length = 16;
/// Versions before WIN8 lack the 16-byte "win8 extension" at the request's end and carry an
/// 18-byte sense buffer; from WIN8 on the sense buffer is 20 bytes (STORVSC_SENSE_BUFFER_SIZE).
constexpr size_t win8_extension_size = 16;
constexpr size_t sense_buffer_size = 20;
constexpr size_t pre_win8_sense_buffer_size = 18;

/// struct vmscsi_request, packed; offsets are within the request (add 12 for the packet).
struct [[gnu::packed]] VmscsiRequest {
    uint16_t length; // @0
    uint8_t srb_status; // @2
    uint8_t scsi_status; // @3
    uint8_t port_number; // @4
    uint8_t path_id; // @5
    uint8_t target_id; // @6
    uint8_t lun; // @7
    uint8_t cdb_length; // @8
    uint8_t sense_info_length; // @9
    uint8_t data_in; // @10
    uint8_t reserved; // @11
    uint32_t data_transfer_length; // @12
    std::array<uint8_t, sense_buffer_size> cdb_or_sense; // @16: CDB in, sense out
    uint16_t reserve; // @36: the win8 extension starts here
    uint8_t queue_tag; // @38
    uint8_t queue_action; // @39
    uint32_t srb_flags; // @40
    uint32_t time_out_value; // @44
    uint32_t queue_sort_key; // @48
};
static_assert(sizeof(VmscsiRequest) == vmscsi_request_size);

/// How many bytes shorter than 64 a packet of `version` is (Linux's former vmscsi_size_delta):
/// 16 before WIN8, 0 from WIN8 on.
constexpr size_t vmscsi_size_delta(uint16_t version)
{
    return version < version_win8 ? win8_extension_size : 0;
}

/// The packet size a guest speaking `version` sends and expects back.
constexpr size_t packet_size_for(uint16_t version)
{
    return vstor_packet_size - vmscsi_size_delta(version);
}

/// A vstor_packet copied out of a payload. Bytes past what the guest sent are zero.
struct VstorPacket {
    uint32_t operation { 0 }; ///< Raw: the guest may send any value.
    uint32_t flags { 0 };
    uint32_t status { 0 };
    std::array<std::byte, vmscsi_request_size> payload {};
    size_t size { 0 }; ///< Bytes the guest sent, at most 64.

    /// The SRB of an EXECUTE_SRB.
    VmscsiRequest srb() const;
    /// QUERY_PROTOCOL_VERSION's major_minor (payload @0).
    uint16_t major_minor() const;
    /// CREATE_SUB_CHANNELS' sub_channel_count (payload @0).
    uint16_t sub_channel_count() const;
};

enum class PacketError {
    Truncated, ///< Shorter than the guest's version sends.
};

/// Copies a vstor_packet out of a VMBus payload. Accepts a payload at least packet_size_for(
/// `protocol_version`) long (pass the negotiated version, or version_win6 before one is agreed);
/// bytes past 64 are ignored.
vmm::Result<VstorPacket, PacketError> parse_vstor_packet(
    std::span<const std::byte> payload, uint16_t protocol_version);

/// A completion to send as a VM_PKT_COMP payload: `size` bytes of `bytes`.
struct Reply {
    std::array<std::byte, vstor_packet_size> bytes {};
    size_t size { 0 };
    std::span<const std::byte> view() const { return std::span(bytes).first(size); }
};

/// A COMPLETE_IO with `status` and an all-zero payload (BEGIN/END_INITIALIZATION, resets,
/// CREATE_SUB_CHANNELS, refusals). `size` is 48..64 (packet_size_for a version).
Reply encode_status_reply(uint32_t status, size_t size);

/// The QUERY_PROTOCOL_VERSION completion: `status` and the version it answers.
Reply encode_version_reply(uint32_t status, uint16_t major_minor, size_t size);

/// struct vmstorage_channel_properties as this host fills it.
struct ChannelProperties {
    uint16_t max_channel_count { 0 }; ///< Sub-channels the guest may ask for.
    bool multi_channel { false }; ///< STORAGE_CHANNEL_SUPPORTS_MULTI_CHANNEL.
    uint32_t max_transfer_bytes { 0 };
};

/// The QUERY_PROPERTIES completion (status 0).
Reply encode_properties_reply(const ChannelProperties& properties, size_t size);

/// What the layer above learned from running an SRB.
struct SrbOutcome {
    uint32_t nt_status { nt_status::success };
    uint8_t srb_status { srb_status::success };
    uint8_t scsi_status { 0 };
    uint32_t bytes_transferred { 0 };
    std::span<const std::byte> sense {}; ///< Fixed-format sense, or empty.
};

/// The COMPLETE_IO for `request`: the SRB echoed back with its statuses set, data_transfer_length
/// the bytes moved (never more than requested), and the sense (if any) in the sense area, cut to
/// the smallest of the guest's sense_info_length, the version's sense buffer and the sense given.
/// AUTOSENSE_VALID is set when sense is present.
Reply encode_srb_completion(const VmscsiRequest& request, const SrbOutcome& outcome, size_t size);

} // namespace vmbus::storvsp
