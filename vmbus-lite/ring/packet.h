// SPDX-License-Identifier: Apache-2.0
// VMBus ring packets (docs/vmbus.md#packets): a 16-byte descriptor, the payload at offset8 * 8,
// the whole padded to 8 bytes and followed in the ring by an 8-byte trailer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vmbus {

// Packet types (include/linux/hyperv.h, enum vmbus_packet_type).
constexpr uint16_t VM_PKT_DATA_INBAND = 6;
constexpr uint16_t VM_PKT_DATA_USING_XFER_PAGES = 7;
constexpr uint16_t VM_PKT_DATA_USING_GPA_DIRECT = 9;
constexpr uint16_t VM_PKT_COMP = 11;
constexpr uint16_t VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED = 1;

/// struct vmpacket_descriptor.
struct PacketDescriptor {
    uint16_t type {}; // @0
    uint16_t offset8 {}; // @2 payload offset, in 8-byte units from the descriptor's start
    uint16_t len8 {}; // @4 packet length (descriptor included, trailer not), in 8-byte units
    uint16_t flags {}; // @6
    uint64_t trans_id {}; // @8
};
static_assert(sizeof(PacketDescriptor) == 16);

constexpr uint32_t packet_trailer_size = 8;

/// A packet copied out of a ring and validated: the guest can no longer change it.
struct Packet {
    PacketDescriptor descriptor {};
    std::vector<std::byte> bytes; ///< The whole packet, descriptor included.

    /// Bytes from offset8 * 8 to the end (validated: inside `bytes`).
    std::span<const std::byte> payload() const
    {
        return std::span(bytes).subspan(size_t(descriptor.offset8) * 8);
    }
};

enum class RingError {
    Empty, ///< Nothing to read: not a failure.
    Full, ///< No room for the packet now; the guest will free space.
    BadIndices, ///< An index is past the data area or not 8-byte aligned.
    BadDescriptor, ///< Lengths or offsets in a descriptor that cannot be right.
    TooLarge, ///< A packet larger than the ring could ever hold.
};

} // namespace vmbus
