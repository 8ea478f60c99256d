// SPDX-License-Identifier: Apache-2.0
// Integration-service (IC) messages: the payload of every VM_PKT_DATA_INBAND packet on the
// shutdown, heartbeat and timesync channels (docs/vmbus.md#integration-services,
// include/linux/hyperv.h). Each is an 8-byte pipe header, the 20-byte icmsg_hdr, then a body;
// Linux finds icmsg_hdr at payload offset 8 and the body at 28 (its ICMSG_HDR). Pure: no I/O, no
// state.
#pragma once
#include "base/result.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace vmbus::ic {

/// icmsgtype. Any u16 may arrive from a guest; only these are named.
enum class MessageType : uint16_t { Negotiate = 0, Heartbeat = 1, Shutdown = 3, TimeSync = 4 };

// icflags.
constexpr uint8_t flag_transaction = 1;
constexpr uint8_t flag_request = 2;
constexpr uint8_t flag_response = 4;

// status (HRESULTs).
constexpr uint32_t status_ok = 0; // HV_S_OK
constexpr uint32_t status_fail = 0x80004005; // HV_E_FAIL

struct Version {
    uint16_t major;
    uint16_t minor;
    friend bool operator==(const Version&, const Version&) = default;
};

/// struct vmbuspipe_hdr. Linux skips it unread; Hyper-V and OpenVMM write flags 1 (a data
/// message) and the byte count that follows the pipe header.
struct PipeHeader {
    uint32_t flags; // @0
    uint32_t msgsize; // @4
};
static_assert(sizeof(PipeHeader) == 8);
constexpr uint32_t pipe_flag_data = 1;

/// struct icmsg_hdr.
struct MessageHeader {
    Version framework; // @0  icverframe
    MessageType type; // @4  icmsgtype
    Version message; // @6  icvermsg
    uint16_t size; // @10 icmsgsize: body bytes; nobody checks it (Linux writes 16 in replies)
    uint32_t status; // @12 set by the responder
    uint8_t transaction_id; // @16 echoed, never checked by Linux
    uint8_t flags; // @17 icflags
    std::array<uint8_t, 2> reserved; // @18
};
static_assert(sizeof(MessageHeader) == 20);

/// Pipe header plus icmsg_hdr: where every body starts (Linux ICMSG_HDR).
constexpr size_t header_size = sizeof(PipeHeader) + sizeof(MessageHeader);
static_assert(header_size == 28);

/// struct icmsg_negotiate: followed by framework_count framework versions, then message_count
/// message versions (4 bytes each).
struct NegotiateHeader {
    uint16_t framework_count; // @0
    uint16_t message_count; // @2
    uint32_t reserved; // @4
};
static_assert(sizeof(NegotiateHeader) == 8);

/// Linux answers "no common version" to a NEGOTIATE listing more than this in either list.
constexpr size_t max_negotiate_versions = 100;

/// struct shutdown_msg_data. Linux reads only `flags` but refuses (without answering) a packet
/// too short to hold the whole body.
struct ShutdownBody {
    uint32_t reason_code { 0 }; // @0
    uint32_t timeout_seconds { 0 }; // @4
    uint32_t flags { 0 }; // @8
    std::array<uint8_t, 2048> display_message {}; // @12
};
static_assert(sizeof(ShutdownBody) == 2060);

// ShutdownBody::flags. Linux: 0/1 power off, 2/3 reboot, 4/5 hibernate (if supported), any other
// value is answered HV_E_FAIL. It always acts as if `force` were set.
constexpr uint32_t shutdown_flag_force = 1;
constexpr uint32_t shutdown_flag_restart = 2;
constexpr uint32_t shutdown_flag_hibernate = 4;
/// SHTDN_REASON_FLAG_PLANNED: what Hyper-V and OpenVMM send for a host-initiated shutdown.
constexpr uint32_t shutdown_reason_planned = 0x80000000;

/// struct heartbeat_msg_data. Linux needs only seq_num present and answers seq_num + 1.
struct HeartbeatBody {
    uint64_t seq_num { 0 }; // @0
    std::array<uint32_t, 8> reserved {}; // @8
};
static_assert(sizeof(HeartbeatBody) == 40);

/// The largest packet, descriptor included, an IC channel of the guest accepts: Linux reads into
/// a one-page buffer and its max_pkt_size is 4096 (a longer packet desynchronises its ring).
constexpr size_t max_guest_packet_size = 4096;

/// The versions both sides settled on.
struct Negotiated {
    Version framework;
    Version message;
    friend bool operator==(const Negotiated&, const Negotiated&) = default;
};

/// NEGOTIATE offering `frameworks`, then `messages` (each list 1..max_negotiate_versions long).
std::vector<std::byte> build_negotiate(
    std::span<const Version> frameworks, std::span<const Version> messages, uint8_t transaction_id);

/// Any request after negotiation: the header carries the negotiated versions and
/// TRANSACTION | REQUEST, then `body` follows.
std::vector<std::byte> build_request(
    MessageType type, Negotiated versions, uint8_t transaction_id, std::span<const std::byte> body);

std::vector<std::byte> build_shutdown(
    Negotiated versions, uint8_t transaction_id, const ShutdownBody& body);

std::vector<std::byte> build_heartbeat(
    Negotiated versions, uint8_t transaction_id, uint64_t seq_num);

enum class IcError {
    Truncated, ///< Shorter than the headers and body its type needs.
    NotResponse, ///< icflags lacks RESPONSE.
    WrongType, ///< Not the icmsgtype the parser handles.
    BadVersionCount, ///< A negotiate reply with counts other than 1/1 or "none".
};

/// A message split into its (copied) header and its body, which views `payload`: pass only
/// host-owned bytes (a Packet is already a private copy of the ring).
struct Message {
    PipeHeader pipe;
    MessageHeader header;
    std::span<const std::byte> body;
};
vmm::Result<Message, IcError> parse_message(std::span<const std::byte> payload);

/// The guest's answer to NEGOTIATE: the pair it chose, or nullopt when it shares none (it then
/// writes counts 0/0 and leaves status untouched).
vmm::Result<std::optional<Negotiated>, IcError> parse_negotiate_response(
    std::span<const std::byte> payload);

/// The guest's answer to SHUTDOWN: its status (HV_S_OK when it starts to act).
vmm::Result<uint32_t, IcError> parse_shutdown_response(std::span<const std::byte> payload);

struct HeartbeatReply {
    uint32_t status;
    uint64_t seq_num;
};
vmm::Result<HeartbeatReply, IcError> parse_heartbeat_response(std::span<const std::byte> payload);

} // namespace vmbus::ic
