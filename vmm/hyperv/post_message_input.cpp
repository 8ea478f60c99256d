// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/post_message_input.h"
#include "vmm/hyperv/hv_status.h"

#include <cstring>

namespace vmm::hyperv {

namespace {

// Offsets in struct hv_input_post_message.
constexpr size_t connection_id_offset = 0;
constexpr size_t message_type_offset = 8;
constexpr size_t payload_size_offset = 12;
constexpr size_t payload_offset = 16;
static_assert(payload_offset + post_message_max_payload == post_message_input_size);

// Message types with the top bit set are the hypervisor's (timer expiry, intercepts, ...).
constexpr uint32_t hypervisor_message_types = 0x80000000;

uint32_t read_u32(std::span<const std::byte, post_message_input_size> page, size_t offset)
{
    uint32_t value;
    std::memcpy(&value, page.data() + offset, sizeof(value));
    return value; // Little-endian host, as the guest.
}

} // namespace

Result<PostMessageInput, uint16_t> parse_post_message_input(
    std::span<const std::byte, post_message_input_size> page)
{
    // Errors go through unexpected(): PostMessageInput is an aggregate, so a bare integer could
    // otherwise be taken for one.
    PostMessageInput input;
    input.connection_id = read_u32(page, connection_id_offset) & HV_CONNECTION_ID_MASK;
    input.message_type = read_u32(page, message_type_offset);
    input.payload_size = read_u32(page, payload_size_offset);
    if (input.payload_size > post_message_max_payload) {
        return unexpected(HV_STATUS_INVALID_HYPERCALL_INPUT);
    }
    if (input.message_type == 0 || input.message_type >= hypervisor_message_types) {
        return unexpected(HV_STATUS_INVALID_HYPERCALL_INPUT);
    }
    std::memcpy(input.payload_bytes.data(), page.data() + payload_offset, input.payload_size);
    return input;
}

} // namespace vmm::hyperv
