// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/synic_slots.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <doctest/doctest.h>
#include <thread>
#include <vector>

using namespace vmm::hyperv;

namespace {

struct alignas(256) Slot {
    std::array<std::byte, synic_slot_size> bytes {};
    std::byte* data() { return bytes.data(); }
};

uint32_t u32_at(Slot& slot, size_t offset)
{
    uint32_t value;
    std::memcpy(&value, slot.data() + offset, 4);
    return value;
}

std::atomic_ref<uint32_t> type_of(Slot& slot)
{
    return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(slot.data()));
}

bool pending_of(Slot& slot)
{
    return (std::atomic_ref<uint8_t>(*reinterpret_cast<uint8_t*>(slot.data() + 5))
                   .load(std::memory_order_seq_cst)
               & 1)
        != 0;
}

/// The guest's half of the handshake (vmbus_signal_eom): free the slot with a cmpxchg (a full
/// barrier), then EOM only if msg_pending is set. Returns whether the guest wrote EOM.
bool guest_signal_eom(Slot& slot, uint32_t seen_type)
{
    uint32_t expected = seen_type;
    if (!type_of(slot).compare_exchange_strong(expected, 0, std::memory_order_seq_cst)) {
        return false;
    }
    return pending_of(slot);
}

std::vector<std::byte> bytes_of(std::initializer_list<int> values)
{
    std::vector<std::byte> out;
    for (int v : values) {
        out.push_back(std::byte(v));
    }
    return out;
}

} // namespace

TEST_CASE("a message lands in a free slot with a clean header")
{
    Slot slot;
    std::memset(slot.data(), 0x5a, synic_slot_size); // Stale bytes from an older message.
    std::memset(slot.data(), 0, 4); // ...but the type says free.
    const auto payload = bytes_of({ 1, 2, 3, 4, 5 });
    CHECK(post_to_message_slot(slot.data(), 1, payload) == SlotPost::Delivered);
    CHECK(u32_at(slot, 0) == 1);
    CHECK(slot.bytes[4] == std::byte(5)); // payload_size
    CHECK(slot.bytes[5] == std::byte(0)); // message_flags
    for (size_t i = 6; i < 16; ++i) {
        CHECK(slot.bytes[i] == std::byte(0)); // reserved, sender
    }
    CHECK(std::memcmp(slot.data() + 16, payload.data(), payload.size()) == 0);
}

TEST_CASE("a full 240-byte payload fills the slot exactly")
{
    Slot slot;
    std::vector<std::byte> payload(synic_message_max_payload, std::byte(0xee));
    CHECK(post_to_message_slot(slot.data(), 7, payload) == SlotPost::Delivered);
    CHECK(slot.bytes[4] == std::byte(240));
    CHECK(slot.bytes[255] == std::byte(0xee));
}

TEST_CASE("a busy slot is left alone except for msg_pending, and the guest's EOM frees it")
{
    Slot slot;
    CHECK(post_to_message_slot(slot.data(), 1, bytes_of({ 0x11 })) == SlotPost::Delivered);
    CHECK(post_to_message_slot(slot.data(), 1, bytes_of({ 0x22, 0x33 })) == SlotPost::Busy);
    CHECK(pending_of(slot));
    CHECK(slot.bytes[4] == std::byte(1)); // The first message is intact.
    CHECK(slot.bytes[16] == std::byte(0x11));

    // The guest consumes it, sees msg_pending and writes EOM: the host's retry succeeds.
    CHECK(guest_signal_eom(slot, 1));
    CHECK(post_to_message_slot(slot.data(), 1, bytes_of({ 0x22, 0x33 })) == SlotPost::Delivered);
    CHECK_FALSE(pending_of(slot)); // Cleared with the new message.
    CHECK(slot.bytes[17] == std::byte(0x33));
    // No retry was pending this time: the guest frees the slot without an EOM.
    CHECK_FALSE(guest_signal_eom(slot, 1));
}

TEST_CASE("a slot the guest freed without an EOM takes the next message")
{
    Slot slot;
    CHECK(post_to_message_slot(slot.data(), 1, bytes_of({ 1 })) == SlotPost::Delivered);
    CHECK_FALSE(guest_signal_eom(slot, 1)); // Freed, no EOM: nothing was pending.
    CHECK(post_to_message_slot(slot.data(), 2, bytes_of({ 2 })) == SlotPost::Delivered);
    CHECK(u32_at(slot, 0) == 2);
}

TEST_CASE("a slot freed between the host's first look and msg_pending is taken at once")
{
    // The race the re-check closes: the guest frees the slot after the host saw it busy and reads
    // msg_pending before the host sets it, so it writes no EOM. Without the re-check the host
    // would wait for an EOM that never comes.
    Slot slot;
    CHECK(post_to_message_slot(slot.data(), 1, bytes_of({ 1 })) == SlotPost::Delivered);
    CHECK_FALSE(guest_signal_eom(slot, 1)); // The guest frees it: no msg_pending, no EOM.
    CHECK(detail::post_after_look(slot.data(), 1, 2, bytes_of({ 2 })) == SlotPost::Delivered);
    CHECK(u32_at(slot, 0) == 2);
    CHECK_FALSE(pending_of(slot));
}

TEST_CASE("host and guest threads never lose a wakeup")
{
    // The host posts numbered messages, retrying only after an EOM; the guest consumes them as
    // vmbus_on_msg_dpc does. A lost wakeup would leave the host waiting with the slot free.
    Slot slot;
    constexpr uint32_t count = 5000;
    std::atomic<uint32_t> eoms { 0 };
    std::atomic<bool> failed { false };
    std::vector<uint32_t> received;
    received.reserve(count);

    std::thread guest([&] {
        while (received.size() < count && !failed) {
            const uint32_t type = type_of(slot).load(std::memory_order_acquire);
            if (type == 0) {
                std::this_thread::yield();
                continue;
            }
            uint32_t value;
            std::memcpy(&value, slot.data() + 16, 4);
            received.push_back(value);
            if (guest_signal_eom(slot, type)) {
                eoms.fetch_add(1, std::memory_order_seq_cst);
            }
        }
    });

    for (uint32_t i = 0; i < count && !failed; ++i) {
        const auto payload = std::as_bytes(std::span(&i, 1));
        while (true) {
            const uint32_t seen = eoms.load(std::memory_order_seq_cst);
            if (post_to_message_slot(slot.data(), 1, payload) == SlotPost::Delivered) {
                break;
            }
            // Generous: the two threads share loaded CI cores.
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
            while (eoms.load(std::memory_order_seq_cst) == seen) {
                if (std::chrono::steady_clock::now() > deadline) {
                    failed = true; // Busy, yet the guest will never EOM: a lost wakeup.
                    break;
                }
                std::this_thread::yield();
            }
            if (failed) {
                break;
            }
        }
    }
    guest.join();
    REQUIRE_FALSE(failed.load());
    REQUIRE(received.size() == count);
    for (uint32_t i = 0; i < count; ++i) {
        REQUIRE(received[i] == i);
    }
}

TEST_CASE("event flags: set once, report only the first setter, little-endian bit order")
{
    Slot slot;
    CHECK(set_event_flag(slot.data(), 0));
    CHECK_FALSE(set_event_flag(slot.data(), 0));
    CHECK(slot.bytes[0] == std::byte(0x01));
    CHECK(set_event_flag(slot.data(), 13));
    CHECK(slot.bytes[1] == std::byte(0x20));
    CHECK(set_event_flag(slot.data(), 2047));
    CHECK(slot.bytes[255] == std::byte(0x80));
    CHECK_FALSE(set_event_flag(slot.data(), 2047));

    // The guest clears a bit before running the channel: the next signal injects again.
    std::atomic_ref<uint8_t>(*reinterpret_cast<uint8_t*>(slot.data() + 1)).fetch_and(0xdf);
    CHECK(set_event_flag(slot.data(), 13));
}

TEST_CASE("an event flag past the slot is refused and writes nothing")
{
    Slot slot;
    Slot before = slot;
    CHECK_FALSE(set_event_flag(slot.data(), 2048));
    CHECK_FALSE(set_event_flag(slot.data(), 0xffffffff));
    CHECK(slot.bytes == before.bytes);
}
