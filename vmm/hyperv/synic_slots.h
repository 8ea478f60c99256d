// SPDX-License-Identifier: Apache-2.0
// One SynIC message slot and one event-flags slot (docs/vmbus.md#synic-messages,
// docs/vmbus.md#channel-signals), written in place with atomics because the guest reads and clears
// them concurrently. Pure code over raw 256-byte slots: guest memory in the runtime, plain buffers
// in tests.
//
// Why a thread other than the slot's vCPU may write a message slot: partvm exposes no synthetic
// timers (hv_cpuid.cpp leaves HV_MSR_SYNTIMER_AVAILABLE clear, and Linux 6.1 then never enables
// them), so KVM never posts into the SIMP itself: its only writer, synic_deliver_msg(), is called
// for stimer expiry alone, and SYNIC2 stops KVM from zeroing the page on enable. The guest is the
// only other party, and its "cmpxchg type to 0 (a full barrier); test msg_pending; EOM if set"
// (vmbus_signal_eom) pairs with our "set msg_pending; full fence; re-test type": one of the two
// sides always sees the other's store, so either we find the slot free or the guest writes EOM,
// which KVM turns into a resamplefd signal that makes us retry.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace vmm::hyperv {

constexpr size_t synic_slot_size = 256;
constexpr uint32_t synic_sint_count = 16;
/// VMBus uses SINT 2 (VMBUS_MESSAGE_SINT) and slot 2 of both pages.
constexpr uint32_t vmbus_sint = 2;
/// Bits in one event-flags slot: the highest VMBus relid is 2047.
constexpr uint32_t synic_event_flag_count = synic_slot_size * 8;
/// Largest payload of a SynIC message (struct hv_message: 16-byte header, 240-byte payload).
constexpr size_t synic_message_max_payload = 240;

enum class SlotPost {
    Delivered, ///< The message is in the slot; assert the SINT.
    Busy, ///< The guest has not consumed the previous message; msg_pending asks it for an EOM.
};

/// Posts one message into `slot` (8-byte aligned, 256 bytes): steps 1-3 of
/// docs/vmbus.md#host-to-guest-posting-into-the-slot.
/// Preconditions (host bugs, not guest input): message_type != 0 and payload.size() <= 240.
SlotPost post_to_message_slot(
    std::byte* slot, uint32_t message_type, std::span<const std::byte> payload);

namespace detail {
/// post_to_message_slot once its first look at the slot read `seen_type`. Exposed so tests can
/// replay the interleaving where the guest frees the slot between that look and msg_pending.
SlotPost post_after_look(
    std::byte* slot, uint32_t seen_type, uint32_t message_type, std::span<const std::byte> payload);
} // namespace detail

/// Atomically sets event flag `bit` (< 2048) in `flags_slot` (8-byte aligned, 256 bytes). Returns
/// true if the bit was clear: only then must the caller assert the SINT, as the guest clears each
/// bit before it runs that channel. Returns false, setting nothing, for bit >= 2048.
bool set_event_flag(std::byte* flags_slot, uint32_t bit);

} // namespace vmm::hyperv
