// SPDX-License-Identifier: Apache-2.0
// VMBus channel-management messages (docs/vmbus.md#message-types; include/linux/hyperv.h). Wire
// structs keep the kernel's field names; every message starts with an 8-byte header.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace vmbus {

enum class MessageType : uint32_t {
    OfferChannel = 1,
    RescindChannelOffer = 2,
    RequestOffers = 3,
    AllOffersDelivered = 4,
    OpenChannel = 5,
    OpenChannelResult = 6,
    CloseChannel = 7,
    GpadlHeader = 8,
    GpadlBody = 9,
    GpadlCreated = 10,
    GpadlTeardown = 11,
    GpadlTorndown = 12,
    RelidReleased = 13,
    InitiateContact = 14,
    VersionResponse = 15,
    Unload = 16,
    UnloadResponse = 17,
    TlConnectRequest = 21,
    ModifyChannel = 22,
    TlConnectResult = 23,
    ModifyChannelResponse = 24,
};

/// The most a SynIC message carries (HV_MESSAGE_PAYLOAD_BYTE_COUNT).
constexpr size_t max_message_size = 240;

using Guid = std::array<uint8_t, 16>; ///< Microsoft byte layout (Data1-3 little-endian).

struct MessageHeader {
    MessageType msgtype; // @0
    uint32_t padding; // @4
};
static_assert(sizeof(MessageHeader) == 8);

struct InitiateContactMessage {
    MessageHeader header;
    uint32_t vmbus_version_requested; // @8  major << 16 | minor
    uint32_t target_vcpu; // @12 VP index that gets every host reply
    uint64_t interrupt_page_or_sint; // @16 protocol >= 5.0: msg_sint in the low byte
    uint64_t monitor_page1; // @24
    uint64_t monitor_page2; // @32
};
static_assert(sizeof(InitiateContactMessage) == 40);

struct OpenChannelMessage {
    MessageHeader header;
    uint32_t child_relid; // @8
    uint32_t openid; // @12
    uint32_t ringbuffer_gpadlhandle; // @16
    uint32_t target_vp; // @20
    uint32_t downstream_ringbuffer_pageoffset; // @24 first page of the host->guest ring
    std::array<uint8_t, 120> userdata; // @28
};
static_assert(sizeof(OpenChannelMessage) == 148);

struct RelidMessage { // CLOSECHANNEL, RELID_RELEASED
    MessageHeader header;
    uint32_t child_relid; // @8
};
static_assert(sizeof(RelidMessage) == 12);

struct GpadlHeaderMessage {
    MessageHeader header;
    uint32_t child_relid; // @8
    uint32_t gpadl; // @12 handle the guest chose
    uint16_t range_buflen; // @16 bytes of range data: 8 + 8 * pfns per range
    uint16_t rangecount; // @18
    // struct gpa_range { u32 byte_count; u32 byte_offset; u64 pfn_array[]; } follows @20.
};
static_assert(sizeof(GpadlHeaderMessage) == 20);

struct GpadlBodyMessage {
    MessageHeader header;
    uint32_t msgnumber; // @8 Linux leaves it 0
    uint32_t gpadl; // @12
    // u64 pfn[] follows @16.
};
static_assert(sizeof(GpadlBodyMessage) == 16);

struct GpadlTeardownMessage {
    MessageHeader header;
    uint32_t child_relid; // @8
    uint32_t gpadl; // @12
};
static_assert(sizeof(GpadlTeardownMessage) == 16);

struct ModifyChannelMessage {
    MessageHeader header;
    uint32_t child_relid; // @8
    uint32_t target_vp; // @12
};
static_assert(sizeof(ModifyChannelMessage) == 16);

struct TlConnectRequestMessage {
    MessageHeader header;
    Guid guest_endpoint_id; // @8
    Guid host_service_id; // @24
};
static_assert(sizeof(TlConnectRequestMessage) == 40);

// Host-to-guest messages.

struct OfferChannelMessage {
    MessageHeader header;
    Guid if_type; // @8 device class (for hv_sock: the service id)
    Guid if_instance; // @24
    std::array<uint8_t, 16> reserved; // @40 (two u64 in Linux; bytes keep the struct packed)
    uint16_t chn_flags; // @56
    uint16_t mmio_megabytes; // @58
    std::array<uint8_t, 120> user_def; // @60
    uint16_t sub_channel_index; // @180
    uint16_t reserved3; // @182
    uint32_t child_relid; // @184
    uint8_t monitorid; // @188
    uint8_t monitor_allocated; // @189 bit 0; KVM has no monitor pages, so always 0
    uint16_t is_dedicated_interrupt; // @190 bit 0
    uint32_t connection_id; // @192 what the guest passes to HvSignalEvent
};
static_assert(sizeof(OfferChannelMessage) == 196);

struct RescindChannelOfferMessage {
    MessageHeader header;
    uint32_t child_relid; // @8
};
static_assert(sizeof(RescindChannelOfferMessage) == 12);

struct OpenChannelResultMessage {
    MessageHeader header;
    uint32_t child_relid; // @8
    uint32_t openid; // @12
    uint32_t status; // @16 0 = opened
};
static_assert(sizeof(OpenChannelResultMessage) == 20);

struct GpadlCreatedMessage {
    MessageHeader header;
    uint32_t child_relid; // @8
    uint32_t gpadl; // @12
    uint32_t creation_status; // @16 0 = created
};
static_assert(sizeof(GpadlCreatedMessage) == 20);

struct GpadlTorndownMessage {
    MessageHeader header;
    uint32_t gpadl; // @8
};
static_assert(sizeof(GpadlTorndownMessage) == 12);

struct VersionResponseMessage {
    MessageHeader header;
    uint8_t version_supported; // @8
    uint8_t connection_state; // @9
    uint16_t padding; // @10
    uint32_t msg_conn_id; // @12 where the guest posts from now on (protocol >= 5.0)
};
static_assert(sizeof(VersionResponseMessage) == 16);

struct ModifyChannelResponseMessage {
    MessageHeader header;
    uint32_t child_relid; // @8
    uint32_t status; // @12
};
static_assert(sizeof(ModifyChannelResponseMessage) == 16);

} // namespace vmbus
