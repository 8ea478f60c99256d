// SPDX-License-Identifier: Apache-2.0
// The producer and consumer halves share one FlatRingMemory, as host and guest share a real ring.
#include "vmbus-lite/ring/incoming_ring.h"
#include "vmbus-lite/ring/outgoing_ring.h"

#include <doctest/doctest.h>
#include <string>

using namespace vmbus;

namespace {

std::vector<std::byte> bytes_of(const std::string& text)
{
    const auto view = std::as_bytes(std::span(text.data(), text.size()));
    return { view.begin(), view.end() };
}

PacketDescriptor inband(uint64_t trans_id)
{
    return {
        .type = VM_PKT_DATA_INBAND, .offset8 = 0, .len8 = 0, .flags = 0, .trans_id = trans_id
    };
}

} // namespace

TEST_CASE("an empty ring reads as Empty, which is not a failure")
{
    FlatRingMemory memory(4096);
    IncomingRing ring(memory);
    auto packet = ring.read();
    REQUIRE_FALSE(packet.has_value());
    CHECK(packet.error() == RingError::Empty);
}

TEST_CASE("a packet written to a ring reads back with its payload and transaction id")
{
    FlatRingMemory memory(4096);
    OutgoingRing producer(memory);
    IncomingRing consumer(memory);
    REQUIRE(producer.write(inband(42), bytes_of("hello")).has_value());
    auto packet = consumer.read();
    REQUIRE(packet.has_value());
    CHECK(packet->descriptor.trans_id == 42);
    CHECK(packet->descriptor.type == VM_PKT_DATA_INBAND);
    CHECK(packet->payload().size() == 8); // "hello" padded to 8 bytes.
    CHECK(std::memcmp(packet->payload().data(), "hello", 5) == 0);
}

TEST_CASE("packets that cross the end of the data area wrap around intact")
{
    FlatRingMemory memory(256);
    OutgoingRing producer(memory);
    IncomingRing consumer(memory);
    const std::string text(40, 'w');
    for (uint64_t id = 1; id <= 20; ++id) {
        REQUIRE(producer.write(inband(id), bytes_of(text)).has_value());
        auto packet = consumer.read();
        REQUIRE(packet.has_value());
        CHECK(packet->descriptor.trans_id == id);
        CHECK(std::string(reinterpret_cast<const char*>(packet->payload().data()), 40) == text);
        consumer.commit_read();
    }
    // 20 packets of 16 + 40 + 8 bytes went round a 256-byte ring five times.
    CHECK(memory.load(RingControl::ReadIndex) == (20 * 64) % 256);
}

TEST_CASE("a full ring refuses the packet and asks the guest to signal when space frees")
{
    FlatRingMemory memory(128);
    OutgoingRing producer(memory);
    const std::string text(40, 'f');
    REQUIRE(producer.write(inband(1), bytes_of(text)).has_value());
    auto second = producer.write(inband(2), bytes_of(text));
    REQUIRE_FALSE(second.has_value());
    CHECK(second.error() == RingError::Full);
    CHECK(memory.load(RingControl::PendingSendSize) == 64);
}

TEST_CASE("a write index past the data area is reported as corruption")
{
    FlatRingMemory memory(4096);
    IncomingRing ring(memory);
    memory.store(RingControl::WriteIndex, 8192);
    CHECK(ring.read().error() == RingError::BadIndices);
    memory.store(RingControl::WriteIndex, 12); // Not 8-byte aligned.
    CHECK(ring.read().error() == RingError::BadIndices);
}

TEST_CASE("a descriptor claiming more bytes than the ring holds is rejected")
{
    FlatRingMemory memory(4096);
    const PacketDescriptor lying {
        .type = VM_PKT_DATA_INBAND, .offset8 = 2, .len8 = 400, .flags = 0, .trans_id = 1
    };
    memory.write_wrapped(0, std::as_bytes(std::span(&lying, 1)));
    memory.store(RingControl::WriteIndex, 64);
    IncomingRing ring(memory);
    CHECK(ring.read().error() == RingError::BadDescriptor);
}

TEST_CASE("a descriptor whose payload offset lies past its length is rejected")
{
    FlatRingMemory memory(4096);
    const PacketDescriptor lying {
        .type = VM_PKT_DATA_INBAND, .offset8 = 5, .len8 = 3, .flags = 0, .trans_id = 1
    };
    memory.write_wrapped(0, std::as_bytes(std::span(&lying, 1)));
    memory.store(RingControl::WriteIndex, 64);
    IncomingRing ring(memory);
    CHECK(ring.read().error() == RingError::BadDescriptor);
}

TEST_CASE("the guest is signalled when its ring goes from empty to non-empty, unless masked")
{
    FlatRingMemory memory(4096);
    OutgoingRing producer(memory);
    CHECK(producer.write(inband(1), bytes_of("a")).value() == true);
    CHECK(producer.write(inband(2), bytes_of("b")).value() == false); // Not empty before.

    FlatRingMemory masked_memory(4096);
    masked_memory.store(RingControl::InterruptMask, 1);
    OutgoingRing masked(masked_memory);
    CHECK(masked.write(inband(1), bytes_of("a")).value() == false);
}

TEST_CASE("committing a read signals a blocked guest once enough space is free")
{
    FlatRingMemory memory(256);
    OutgoingRing producer(memory);
    IncomingRing consumer(memory);
    const std::string text(40, 'p');
    REQUIRE(producer.write(inband(1), bytes_of(text)).has_value());
    REQUIRE(producer.write(inband(2), bytes_of(text)).has_value());
    REQUIRE(producer.write(inband(3), bytes_of(text)).has_value());
    // 192 of 256 bytes used: the guest wants 128 free before it writes again.
    memory.store(RingControl::PendingSendSize, 128);
    REQUIRE(consumer.read().has_value());
    CHECK(consumer.commit_read() == true); // 64 -> 128 bytes free: crossed.
    REQUIRE(consumer.read().has_value());
    CHECK(consumer.commit_read() == false); // Already above the threshold.
}

namespace {

/// A ring whose guest rewrites the descriptor between the host's first and second copy.
class RacingRingMemory final : public RingMemory {
public:
    explicit RacingRingMemory(FlatRingMemory& inner)
        : m_inner(inner)
    {
    }
    uint32_t data_size() const override { return m_inner.data_size(); }
    uint32_t load(RingControl field) const override { return m_inner.load(field); }
    void store(RingControl field, uint32_t value) override { m_inner.store(field, value); }
    void copy_out(uint32_t offset, std::span<std::byte> out) const override
    {
        m_inner.copy_out(offset, out);
        if (++m_copies == 1) {
            const uint16_t huge_offset8 = 0xffff;
            m_inner.copy_in(offset + 2, std::as_bytes(std::span(&huge_offset8, 1)));
        }
    }
    void copy_in(uint32_t offset, std::span<const std::byte> in) override
    {
        m_inner.copy_in(offset, in);
    }

private:
    FlatRingMemory& m_inner;
    mutable int m_copies { 0 };
};

} // namespace

TEST_CASE("a descriptor the guest rewrites after validation is not the one the packet carries")
{
    FlatRingMemory flat(4096);
    OutgoingRing producer(flat);
    REQUIRE(producer.write(inband(5), bytes_of("payload")).has_value());
    RacingRingMemory racing(flat);
    IncomingRing consumer(racing);
    auto packet = consumer.read();
    REQUIRE(packet.has_value());
    CHECK(packet->descriptor.offset8 == 2);
    CHECK(packet->payload().size() == 8);
    PacketDescriptor in_copy;
    std::memcpy(&in_copy, packet->bytes.data(), sizeof(in_copy));
    CHECK(in_copy.offset8 == 2);
}
