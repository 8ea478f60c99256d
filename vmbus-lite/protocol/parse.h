// SPDX-License-Identifier: Apache-2.0
// Parses what the guest posts with HvPostMessage into typed, validated messages. Pure: no I/O, no
// state. The bytes are copied; nothing returned points into guest memory.
#pragma once
#include "base/result.h"
#include "vmbus-lite/protocol/channel_messages.h"

#include <cstddef>
#include <span>
#include <variant>
#include <vector>

namespace vmbus {

enum class ProtocolError {
    Truncated, ///< Shorter than its type's fixed part, or than its own lengths claim.
    TooLong, ///< Over the 240 bytes a SynIC message can carry.
    UnknownType, ///< Not a message the host accepts from a guest.
    BadGpadlRange, ///< Range count, lengths or offsets a GPADL cannot have.
};

struct RequestOffers { };
struct Unload { };

/// GPADL_HEADER with its single range (Linux sends exactly one) and the PFNs it carried; the rest
/// follow in GPADL_BODY messages until `page_count` PFNs have arrived.
struct GpadlHeader {
    uint32_t child_relid;
    uint32_t gpadl;
    uint32_t byte_count;
    uint32_t byte_offset;
    uint32_t page_count; ///< PFNs the whole GPADL has: ceil((byte_offset + byte_count) / 4096).
    std::vector<uint64_t> pfns;
};

struct GpadlBody {
    uint32_t gpadl;
    std::vector<uint64_t> pfns;
};

using GuestMessage = std::variant<RequestOffers, Unload, InitiateContactMessage, OpenChannelMessage,
    RelidMessage, GpadlHeader, GpadlBody, GpadlTeardownMessage, ModifyChannelMessage,
    TlConnectRequestMessage>;

/// The type of a RelidMessage tells CLOSECHANNEL from RELID_RELEASED.
vmm::Result<GuestMessage, ProtocolError> parse_guest_message(std::span<const std::byte> bytes);

} // namespace vmbus
