// SPDX-License-Identifier: Apache-2.0
// Rings over test guest RAM: what the host writes must land where the guest expects it, whatever
// order the GPADL lists the pages in.
#include "vmbus-lite/gpadl/guest_ring_memory.h"
#include "vmbus-lite/ring/incoming_ring.h"
#include "vmbus-lite/ring/outgoing_ring.h"

#include <algorithm>
#include <doctest/doctest.h>
#include <numeric>

using namespace vmbus;

namespace {

constexpr uint64_t ram_bytes = 1 << 20;

std::vector<uint64_t> pfn_run(uint64_t first, size_t count)
{
    std::vector<uint64_t> pfns(count);
    std::iota(pfns.begin(), pfns.end(), first);
    return pfns;
}

Gpadl ring_gpadl(std::vector<uint64_t> pfns)
{
    const auto bytes = static_cast<uint32_t>(pfns.size() * 4096);
    return { .id = 1, .child_relid = 1, .byte_offset = 0, .byte_count = bytes, .pfns = pfns };
}

vmm::GuestAddress page(uint64_t pfn, uint64_t offset = 0)
{
    return vmm::GuestAddress(pfn * 4096 + offset);
}

std::vector<std::byte> pattern(size_t size, uint8_t seed)
{
    std::vector<std::byte> bytes(size);
    for (size_t i = 0; i < size; ++i) {
        bytes[i] = std::byte(uint8_t(seed + i * 7));
    }
    return bytes;
}

PacketDescriptor inband(uint64_t trans_id)
{
    return {
        .type = VM_PKT_DATA_INBAND, .offset8 = 0, .len8 = 0, .flags = 0, .trans_id = trans_id
    };
}

} // namespace

TEST_CASE("a ring pair splits the GPADL at the downstream page offset")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    auto rings = map_ring_pair(memory, ring_gpadl(pfn_run(16, 10)), 4);
    REQUIRE(rings.has_value());
    CHECK(rings->guest_to_host->data_size() == 3 * 4096);
    CHECK(rings->host_to_guest->data_size() == 5 * 4096);

    // Control pages are pages 0 and 4 of the GPADL; the data areas start one page later.
    REQUIRE(memory.write_obj<uint32_t>(page(16), 0x1238));
    CHECK(rings->guest_to_host->load(RingControl::WriteIndex) == 0x1238);
    rings->host_to_guest->store(RingControl::WriteIndex, 0x40);
    rings->host_to_guest->store(RingControl::PendingSendSize, 0x99);
    CHECK(memory.read_obj<uint32_t>(page(20)).value() == 0x40);
    CHECK(memory.read_obj<uint32_t>(page(20, 12)).value() == 0x99);
    const std::byte marker[] = { std::byte(0xAB) };
    rings->host_to_guest->copy_in(4096 + 5, marker);
    CHECK(memory.read_obj<uint8_t>(page(22, 5)).value() == 0xAB);
}

TEST_CASE("ring pair offsets that leave a ring without a data page are refused")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    const auto gpadl = ring_gpadl(pfn_run(0, 6));
    for (uint32_t offset : { 0u, 1u, 5u, 6u, 7u, 0xFFFFFFFFu }) {
        CAPTURE(offset);
        auto rings = map_ring_pair(memory, gpadl, offset);
        REQUIRE_FALSE(rings.has_value());
        CHECK(rings.error() == GpadlError::BadRingOffset);
    }
    CHECK(map_ring_pair(memory, gpadl, 2).has_value());
    CHECK(map_ring_pair(memory, gpadl, 4).has_value());
    CHECK(map_ring_pair(memory, ring_gpadl(pfn_run(0, 3)), 2).error() == GpadlError::BadRingOffset);
    CHECK(map_ring_pair(memory, ring_gpadl(pfn_run(0, 4)), 2).has_value());
}

TEST_CASE("a GPADL that is not whole pages is not a ring")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    auto offset = ring_gpadl(pfn_run(0, 6));
    offset.byte_offset = 8;
    offset.byte_count -= 8;
    auto short_count = ring_gpadl(pfn_run(0, 6));
    short_count.byte_count -= 1;
    auto missing_pfn = ring_gpadl(pfn_run(0, 6));
    missing_pfn.pfns.pop_back();
    for (const auto& gpadl : { offset, short_count, missing_pfn }) {
        CHECK(map_ring_pair(memory, gpadl, 3).error() == GpadlError::NotARing);
    }
}

TEST_CASE("a ring page outside guest RAM is refused at map time")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    auto pfns = pfn_run(0, 6);
    pfns[4] = ram_bytes / 4096;
    CHECK(map_ring_pair(memory, ring_gpadl(pfns), 3).error() == GpadlError::PageOutsideRam);
    pfns[4] = 1ull << 52; // Would wrap to address 0.
    CHECK(map_ring_pair(memory, ring_gpadl(pfns), 3).error() == GpadlError::PageOutsideRam);
    const uint64_t control_only[] = { 0 };
    CHECK(GuestRingMemory::map(memory, control_only).error() == GpadlError::NotARing);
}

TEST_CASE("consecutive pages take the contiguous path; reversed pages the per-page path")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    const auto forward = pfn_run(32, 5);
    auto reversed = forward;
    std::reverse(reversed.begin() + 1, reversed.end());
    auto flat = GuestRingMemory::map(memory, forward);
    auto scattered = GuestRingMemory::map(memory, reversed);
    REQUIRE(flat.has_value());
    REQUIRE(scattered.has_value());
    CHECK((*flat)->contiguous());
    CHECK_FALSE((*scattered)->contiguous());

    // Data page i of the reversed ring is guest page 36 - i: a copy across the boundary between
    // data pages 0 and 1 must split between guest pages 36 and 35.
    const auto data = pattern(6000, 3);
    (*scattered)->copy_in(4000, data);
    std::vector<std::byte> in_36(96), in_35(4096), in_34(6000 - 96 - 4096);
    REQUIRE(memory.read(page(36, 4000), in_36).has_value());
    REQUIRE(memory.read(page(35), in_35).has_value());
    REQUIRE(memory.read(page(34), in_34).has_value());
    CHECK(std::equal(in_36.begin(), in_36.end(), data.begin()));
    CHECK(std::equal(in_35.begin(), in_35.end(), data.begin() + 96));
    CHECK(std::equal(in_34.begin(), in_34.end(), data.begin() + 96 + 4096));

    std::vector<std::byte> back(6000);
    (*scattered)->copy_out(4000, back);
    CHECK(back == data);
}

TEST_CASE("packets written through one view of guest pages read back through another, wrapping")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    auto pfns = pfn_run(64, 4); // 12 KiB of data: 1000-byte packets wrap every 11 or so.
    SUBCASE("contiguous")
    {
    }
    SUBCASE("reversed")
    {
        std::reverse(pfns.begin() + 1, pfns.end());
    }
    auto writer_view = GuestRingMemory::map(memory, pfns);
    auto reader_view = GuestRingMemory::map(memory, pfns);
    REQUIRE(writer_view.has_value());
    REQUIRE(reader_view.has_value());
    OutgoingRing producer(**writer_view);
    IncomingRing consumer(**reader_view);
    uint64_t written = 0;
    for (uint64_t id = 1; id <= 60; ++id) {
        CAPTURE(id);
        const auto payload = pattern(1000 + id % 3, uint8_t(id));
        REQUIRE(producer.write(inband(id), payload).has_value());
        written += ((16 + payload.size() + 7) & ~size_t(7)) + 8;
        if (id % 2 == 0) {
            for (uint64_t expected : { id - 1, id }) {
                auto packet = consumer.read();
                REQUIRE(packet.has_value());
                CHECK(packet->descriptor.trans_id == expected);
                const auto sent = pattern(1000 + expected % 3, uint8_t(expected));
                REQUIRE(packet->payload().size() >= sent.size());
                CHECK(std::equal(sent.begin(), sent.end(), packet->payload().begin()));
            }
            consumer.commit_read();
        }
    }
    CHECK(consumer.read().error() == RingError::Empty);
    // About 61 KiB of packets went round the 12 KiB ring five times.
    CHECK(written > 5 * 3 * 4096);
    CHECK(memory.read_obj<uint32_t>(page(64, 4)).value() == written % (3 * 4096));
}
