// SPDX-License-Identifier: Apache-2.0
// The HvPostMessage input page (struct hv_input_post_message in drivers/hv/hyperv_vmbus.h;
// docs/vmbus.md#guest-to-host-hvpostmessage), parsed from a copy the guest can no longer change.
#pragma once
#include "base/result.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace vmm::hyperv {

constexpr size_t post_message_input_size = 256;
constexpr size_t post_message_max_payload = 240;

struct PostMessageInput {
    uint32_t connection_id { 0 }; ///< 24 bits; the reserved top byte is dropped.
    uint32_t message_type { 0 };
    uint32_t payload_size { 0 }; ///< At most post_message_max_payload.
    std::array<std::byte, post_message_max_payload> payload_bytes {};

    std::span<const std::byte> payload() const { return { payload_bytes.data(), payload_size }; }
};

/// Validates and copies an input page; the error is the hypercall status to return
/// (HV_STATUS_INVALID_HYPERCALL_INPUT for payload_size > 240, message type 0 or a type with the
/// top bit set, which the TLFS reserves for the hypervisor's own messages).
Result<PostMessageInput, uint16_t> parse_post_message_input(
    std::span<const std::byte, post_message_input_size> page);

} // namespace vmm::hyperv
