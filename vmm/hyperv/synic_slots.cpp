// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/synic_slots.h"
#include "base/check.h"

#include <atomic>
#include <cstring>

namespace vmm::hyperv {

namespace {

// struct hv_message_header.
constexpr size_t message_type_offset = 0;
constexpr size_t payload_size_offset = 4;
constexpr size_t message_flags_offset = 5;
constexpr size_t reserved_offset = 6; // Then sender (port) at 8.
constexpr size_t payload_offset = 16;
constexpr uint8_t msg_pending = 1;

std::atomic_ref<uint32_t> message_type_of(std::byte* slot)
{
    // SAFETY: the slot is 8-byte aligned (a precondition), so the type word is 4-byte aligned.
    return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(slot + message_type_offset));
}

std::atomic_ref<uint8_t> message_flags_of(std::byte* slot)
{
    return std::atomic_ref<uint8_t>(*reinterpret_cast<uint8_t*>(slot + message_flags_offset));
}

} // namespace

SlotPost post_to_message_slot(
    std::byte* slot, uint32_t message_type, std::span<const std::byte> payload)
{
    DCHECK(reinterpret_cast<uintptr_t>(slot) % alignof(uint64_t) == 0);
    const uint32_t seen = message_type_of(slot).load(std::memory_order_acquire);
    return detail::post_after_look(slot, seen, message_type, payload);
}

SlotPost detail::post_after_look(
    std::byte* slot, uint32_t seen_type, uint32_t message_type, std::span<const std::byte> payload)
{
    CHECK(message_type != 0 && payload.size() <= synic_message_max_payload);
    auto type = message_type_of(slot);
    if (seen_type != 0) {
        // Ask for an EOM, then look again: the guest may have freed the slot before it could see
        // the flag, in which case no EOM comes and the slot is ours now.
        message_flags_of(slot).fetch_or(msg_pending, std::memory_order_seq_cst);
        std::atomic_thread_fence(std::memory_order_seq_cst);
        if (type.load(std::memory_order_seq_cst) != 0) {
            return SlotPost::Busy;
        }
    }
    // The slot is free: the guest reads nothing but msg_pending (atomically, in its EOM
    // handshake) until it sees the type, so the rest takes plain writes.
    const auto size = static_cast<std::byte>(payload.size());
    std::memcpy(slot + payload_size_offset, &size, 1);
    message_flags_of(slot).store(0, std::memory_order_relaxed);
    std::memset(slot + reserved_offset, 0, payload_offset - reserved_offset); // reserved, sender
    if (!payload.empty()) {
        std::memcpy(slot + payload_offset, payload.data(), payload.size());
    }
    type.store(message_type, std::memory_order_release);
    return SlotPost::Delivered;
}

bool set_event_flag(std::byte* flags_slot, uint32_t bit)
{
    if (bit >= synic_event_flag_count) {
        return false;
    }
    DCHECK(reinterpret_cast<uintptr_t>(flags_slot) % alignof(uint64_t) == 0);
    // Little-endian: bit n of the slot is bit n % 64 of 64-bit word n / 64, as the guest's
    // sync_test_and_clear_bit sees it.
    // SAFETY: bit < 2048, so the word lies inside the 256-byte slot; the slot is 8-byte aligned.
    auto* word = reinterpret_cast<uint64_t*>(flags_slot) + bit / 64;
    const uint64_t mask = uint64_t(1) << (bit % 64);
    const uint64_t old = std::atomic_ref<uint64_t>(*word).fetch_or(mask, std::memory_order_seq_cst);
    return (old & mask) == 0;
}

} // namespace vmm::hyperv
