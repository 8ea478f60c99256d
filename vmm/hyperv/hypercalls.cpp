// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/hypercalls.h"
#include "vmm/hyperv/hv_status.h"
#include "vmm/hyperv/post_message_input.h"

#include <array>

namespace vmm::hyperv {

namespace {

// Hypercall input value (TLFS "Hypercall Inputs").
constexpr uint64_t code_mask = 0xffff;
constexpr uint64_t fast_bit = uint64_t(1) << 16;
constexpr uint64_t variable_header_mask = uint64_t(0x3ff) << 17;
constexpr uint64_t rep_count_mask = uint64_t(0xfff) << 32;
constexpr uint64_t rep_start_mask = uint64_t(0xfff) << 48;

// HvSignalEvent input: connection id in bits 0-23, flag number in bits 32-47, the rest reserved.
constexpr uint64_t flag_number_shift = 32;
constexpr uint64_t signal_event_valid_bits = HV_CONNECTION_ID_MASK | (uint64_t(0xffff) << 32);

constexpr uint64_t hv_page_size = 4096;

// Neither call is a rep call or takes a variable header. KVM refuses both forms before exiting;
// checked again so nothing here depends on that.
bool is_simple_call(uint64_t control)
{
    return (control & (variable_header_mask | rep_count_mask | rep_start_mask)) == 0;
}

uint16_t post_message(uint64_t control, uint64_t input_gpa, uint32_t vp_index,
    const GuestMemory& memory, HypercallHandler* handler)
{
    if ((control & fast_bit) || !is_simple_call(control)) {
        return HV_STATUS_INVALID_HYPERCALL_INPUT;
    }
    // The TLFS wants the input 8-byte aligned and within one page.
    if (input_gpa % 8 != 0 || input_gpa % hv_page_size + post_message_input_size > hv_page_size) {
        return HV_STATUS_INVALID_ALIGNMENT;
    }
    // One copy, then parse the copy: the guest cannot change what was validated.
    std::array<std::byte, post_message_input_size> page;
    if (!memory.read(GuestAddress(input_gpa), page)) {
        return HV_STATUS_INVALID_HYPERCALL_INPUT;
    }
    auto input = parse_post_message_input(page);
    if (!input) {
        return input.error();
    }
    if (!handler) {
        return HV_STATUS_INVALID_CONNECTION_ID;
    }
    return handler->on_guest_post_message(
        vp_index, input->connection_id, input->message_type, input->payload());
}

uint16_t signal_event(uint64_t control, uint64_t value, HypercallHandler* handler)
{
    if (!is_simple_call(control) || (value & ~signal_event_valid_bits) != 0) {
        return HV_STATUS_INVALID_HYPERCALL_INPUT;
    }
    if (!handler) {
        return HV_STATUS_INVALID_CONNECTION_ID;
    }
    return handler->signal_event(static_cast<uint32_t>(value & HV_CONNECTION_ID_MASK),
        static_cast<uint16_t>(value >> flag_number_shift));
}

} // namespace

uint16_t handle_hypercall(uint64_t control, uint64_t param0, uint32_t vp_index,
    const GuestMemory& memory, HypercallHandler* handler)
{
    switch (control & code_mask) {
    case HVCALL_POST_MESSAGE:
        return post_message(control, param0, vp_index, memory, handler);
    case HVCALL_SIGNAL_EVENT:
        return signal_event(control, param0, handler);
    default:
        return HV_STATUS_INVALID_HYPERCALL_CODE;
    }
}

} // namespace vmm::hyperv
