// SPDX-License-Identifier: Apache-2.0
// hv_sock packet framing (docs/vsock.md; net/vmw_vsock/hyperv_transport.c): every
// packet is VM_PKT_DATA_INBAND with flags 0, and its payload is struct vmpipe_proto_header
// {pkt_type = 1, data_size} then data_size bytes of the stream, padded to 8. data_size 0 is FIN:
// the sender will write no more. Pure: no I/O, no state.
#pragma once
#include "base/result.h"
#include "vmbus-lite/ring/packet.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vmbus::hvsock {

/// struct vmpipe_proto_header.
struct PipeHeader {
    uint32_t pkt_type; // @0 always pipe_packet_data
    uint32_t data_size; // @4 stream bytes that follow; 0 = FIN
};
static_assert(sizeof(PipeHeader) == 8);

constexpr uint32_t pipe_packet_data = 1;

/// HVS_MTU_SIZE: the most stream bytes one packet carries in either direction. Linux resets the
/// socket (-EIO from hvs_update_recv_data) on a larger data_size from the host.
constexpr size_t max_data_size = 16384;
/// HVS_SEND_BUF_SIZE: what a Linux guest puts in one packet (a page less the pipe header).
constexpr size_t guest_send_size = 4096 - sizeof(PipeHeader);

/// HVS_PKT_LEN(n): the ring bytes a packet of n stream bytes takes, trailer included.
constexpr size_t ring_bytes_for(size_t data_size)
{
    return sizeof(PacketDescriptor) + sizeof(PipeHeader) + ((data_size + 7) & ~size_t(7))
        + packet_trailer_size;
}

/// HVS_MAX_PKT_SIZE: the guest's copy buffer for one host packet (channel->max_pkt_size); a
/// longer packet would be truncated and desynchronise its ring. The largest host packet,
/// descriptor included, is ring_bytes_for(max_data_size) - trailer: inside this bound.
constexpr size_t guest_max_packet_size = ring_bytes_for(max_data_size);
/// What a Linux guest stores in pending_send_sz of its outbound ring once it opens the channel
/// (hvs_set_channel_pending_send_size): the host signals when that much space is free.
constexpr size_t guest_pending_send_size = ring_bytes_for(guest_send_size);

/// The descriptor every hv_sock packet carries (len8 and offset8 are the ring's to fill).
constexpr PacketDescriptor pipe_descriptor()
{
    return { .type = VM_PKT_DATA_INBAND, .offset8 = 0, .len8 = 0, .flags = 0, .trans_id = 0 };
}

/// Fills `out` with the payload of a packet carrying `data` (empty: FIN). Precondition:
/// data.size() <= max_data_size. `out` is reused to spare an allocation per packet.
void build_payload(std::span<const std::byte> data, std::vector<std::byte>& out);

enum class PipeError {
    NotInband, ///< Not VM_PKT_DATA_INBAND.
    TooShort, ///< The payload cannot hold a pipe header.
    BadType, ///< pkt_type is not 1.
    Overrun, ///< data_size is larger than the payload.
    TooLarge, ///< data_size is above max_data_size.
};

/// The stream bytes in a packet from the guest (empty: FIN), a view into `packet`. Padding and
/// any bytes past data_size are ignored, as Linux does.
vmm::Result<std::span<const std::byte>, PipeError> parse_packet(const Packet& packet);

const char* to_string(PipeError error);

} // namespace vmbus::hvsock
