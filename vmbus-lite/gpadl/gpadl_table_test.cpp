// SPDX-License-Identifier: Apache-2.0
// GPADL assembly over 1 MiB of test RAM (PFNs 0-255), with headers and bodies shaped as Linux
// sends them: 26 PFNs in the header, up to 28 per body.
#include "vmbus-lite/gpadl/gpadl_table.h"

#include <cstring>
#include <doctest/doctest.h>
#include <numeric>

using namespace vmbus;

namespace {

constexpr uint64_t ram_bytes = 1 << 20;
constexpr uint64_t ram_pages = ram_bytes / 4096;

std::vector<uint64_t> pfn_run(uint64_t first, size_t count)
{
    std::vector<uint64_t> pfns(count);
    std::iota(pfns.begin(), pfns.end(), first);
    return pfns;
}

/// A header for `pages` whole pages carrying `pfns` (a prefix of them).
GpadlHeader header(uint32_t id, uint32_t relid, uint32_t pages, std::vector<uint64_t> pfns)
{
    return { .child_relid = relid,
        .gpadl = id,
        .byte_count = pages * 4096,
        .byte_offset = 0,
        .page_count = pages,
        .pfns = std::move(pfns) };
}

} // namespace

TEST_CASE("a header carrying every PFN completes the GPADL at once")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    GpadlTable table(memory);
    auto progress = table.add_header(header(0xE1E10, 7, 4, pfn_run(10, 4)));
    REQUIRE(progress.has_value());
    CHECK(progress->gpadl == 0xE1E10);
    CHECK(progress->child_relid == 7);
    CHECK(progress->complete);
    const Gpadl* gpadl = table.find(0xE1E10);
    REQUIRE(gpadl != nullptr);
    CHECK(gpadl->child_relid == 7);
    CHECK(gpadl->byte_count == 4 * 4096);
    CHECK(gpadl->pfns == pfn_run(10, 4));
    CHECK(table.size() == 1);
    CHECK(table.reserved_pages() == 4);
}

TEST_CASE("a GPADL is assembled from its header and bodies, and found only once complete")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    GpadlTable table(memory);
    const auto all = pfn_run(100, 60);
    auto first = table.add_header(header(1, 3, 60, { all.begin(), all.begin() + 26 }));
    REQUIRE(first.has_value());
    CHECK_FALSE(first->complete);
    CHECK(table.find(1) == nullptr);

    auto second = table.add_body({ 1, { all.begin() + 26, all.begin() + 54 } });
    REQUIRE(second.has_value());
    CHECK_FALSE(second->complete);
    CHECK(second->child_relid == 3);
    CHECK(table.find(1) == nullptr);

    auto third = table.add_body({ 1, { all.begin() + 54, all.end() } });
    REQUIRE(third.has_value());
    CHECK(third->complete);
    REQUIRE(table.find(1) != nullptr);
    CHECK(table.find(1)->pfns == all);
}

TEST_CASE("a header parsed from the wire, as Linux lays it out, assembles with its body")
{
    // GPADL_HEADER for 30 pages: 20-byte header, one gpa_range {byte_count, byte_offset}, 26 PFNs.
    std::vector<std::byte> message(20 + 8 + 26 * 8);
    const uint32_t words[] = { 8, 0, 5, 0xE1E11 };
    std::memcpy(message.data(), words, sizeof(words));
    const uint16_t range_buflen = 8 + 30 * 8, rangecount = 1;
    std::memcpy(message.data() + 16, &range_buflen, 2);
    std::memcpy(message.data() + 18, &rangecount, 2);
    const uint32_t range[] = { 30 * 4096, 0 };
    std::memcpy(message.data() + 20, range, sizeof(range));
    const auto pfns = pfn_run(200, 30);
    std::memcpy(message.data() + 28, pfns.data(), 26 * 8);
    auto parsed = parse_guest_message(message);
    REQUIRE(parsed.has_value());
    auto* parsed_header = std::get_if<GpadlHeader>(&*parsed);
    REQUIRE(parsed_header != nullptr);

    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    GpadlTable table(memory);
    auto progress = table.add_header(*parsed_header);
    REQUIRE(progress.has_value());
    CHECK_FALSE(progress->complete);
    auto done = table.add_body({ 0xE1E11, { pfns.begin() + 26, pfns.end() } });
    REQUIRE(done.has_value());
    CHECK(done->complete);
    CHECK(done->child_relid == 5);
    CHECK(table.find(0xE1E11)->pfns == pfns);
}

TEST_CASE("more PFNs than announced drop the pending GPADL; the failure names whom to answer")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    GpadlTable table(memory);
    REQUIRE(table.add_header(header(9, 4, 30, pfn_run(0, 26))).has_value());
    auto refused = table.add_body({ 9, pfn_run(26, 5) });
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().error == GpadlError::TooManyPages);
    CHECK(refused.error().gpadl == 9);
    CHECK(refused.error().child_relid == 4u);
    CHECK(table.size() == 0);
    CHECK(table.reserved_pages() == 0);

    // The guest's remaining bodies for it need no second answer.
    auto late = table.add_body({ 9, pfn_run(26, 4) });
    REQUIRE_FALSE(late.has_value());
    CHECK(late.error().error == GpadlError::UnknownId);
    CHECK_FALSE(late.error().child_relid.has_value());
}

TEST_CASE("a body for an unknown id is refused with no reply owed")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    GpadlTable table(memory);
    auto refused = table.add_body({ 77, pfn_run(0, 3) });
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().error == GpadlError::UnknownId);
    CHECK(refused.error().gpadl == 77);
    CHECK_FALSE(refused.error().child_relid.has_value());
}

TEST_CASE("a body for a complete GPADL is refused and leaves the GPADL intact")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    GpadlTable table(memory);
    REQUIRE(table.add_header(header(1, 2, 2, pfn_run(0, 2))).has_value());
    auto refused = table.add_body({ 1, pfn_run(5, 1) });
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().error == GpadlError::UnknownId);
    REQUIRE(table.find(1) != nullptr);
    CHECK(table.find(1)->pfns == pfn_run(0, 2));
}

TEST_CASE("a duplicate id is refused whether the first is pending or complete")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    GpadlTable table(memory);
    REQUIRE(table.add_header(header(1, 2, 2, pfn_run(0, 2))).has_value());
    REQUIRE(table.add_header(header(3, 2, 40, pfn_run(10, 26))).has_value());
    for (uint32_t id : { 1u, 3u }) {
        auto refused = table.add_header(header(id, 6, 1, pfn_run(50, 1)));
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().error == GpadlError::DuplicateId);
        CHECK(refused.error().child_relid == 6u);
    }
    CHECK(table.size() == 2);
    CHECK(table.find(1)->pfns == pfn_run(0, 2));
    CHECK(table.add_body({ 3, pfn_run(36, 14) })->complete); // The pending one still assembles.
}

TEST_CASE("PFNs outside guest RAM are refused, including ones whose address overflows")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    GpadlTable table(memory);
    // 2^52 shifts to address 0, which is RAM: the overflow must be caught before the shift.
    for (uint64_t bad : std::initializer_list<uint64_t> { ram_pages, ram_pages + 1000,
             uint64_t(1) << 52, (uint64_t(1) << 52) + 1, ~uint64_t(0) }) {
        CAPTURE(bad);
        auto in_header = table.add_header(header(1, 2, 3, { 0, bad }));
        REQUIRE_FALSE(in_header.has_value());
        CHECK(in_header.error().error == GpadlError::PageOutsideRam);
        CHECK(in_header.error().child_relid == 2u);
        CHECK(table.size() == 0);

        REQUIRE(table.add_header(header(1, 2, 3, { 0 })).has_value());
        auto in_body = table.add_body({ 1, { 1, bad } });
        REQUIRE_FALSE(in_body.has_value());
        CHECK(in_body.error().error == GpadlError::PageOutsideRam);
        CHECK(in_body.error().child_relid == 2u);
        CHECK(table.size() == 0);
        CHECK(table.reserved_pages() == 0);
    }
    CHECK(table.add_header(header(1, 2, 1, { ram_pages - 1 }))->complete); // The last page is fine.
}

TEST_CASE("a header whose range disagrees with its page count is refused")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    GpadlTable table(memory);
    auto wrong_count = header(1, 2, 2, { 0 });
    wrong_count.page_count = 3;
    auto zero_bytes = header(1, 2, 1, { 0 });
    zero_bytes.byte_count = 0;
    auto bad_offset = header(1, 2, 2, { 0 });
    bad_offset.byte_offset = 4096;
    auto too_many_carried = header(1, 2, 2, { 0, 1, 2 });
    for (const auto& bad : { wrong_count, zero_bytes, bad_offset }) {
        auto refused = table.add_header(bad);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().error == GpadlError::BadRange);
    }
    CHECK(table.add_header(too_many_carried).error().error == GpadlError::TooManyPages);
    // An unaligned range: 100 bytes at offset 4000 span two pages.
    GpadlHeader unaligned { 2, 1, 100, 4000, 2, { 3, 4 } };
    CHECK(table.add_header(unaligned)->complete);
    CHECK(table.size() == 1);
}

TEST_CASE("limits on pages per GPADL, GPADL count and total pages hold")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    GpadlTable table(memory, { .max_pages_per_gpadl = 10, .max_gpadls = 3, .max_total_pages = 24 });
    CHECK(table.add_header(header(1, 1, 11, {})).error().error == GpadlError::TooManyPages);
    REQUIRE(table.add_header(header(1, 1, 10, {})).has_value());
    REQUIRE(table.add_header(header(2, 1, 10, {})).has_value());
    // 20 of 24 pages are reserved by the two pending GPADLs, though none has arrived.
    CHECK(table.add_header(header(3, 1, 5, {})).error().error == GpadlError::TooManyTotalPages);
    REQUIRE(table.add_header(header(3, 1, 4, {})).has_value());
    CHECK(table.add_header(header(4, 1, 1, {})).error().error == GpadlError::TooManyGpadls);
    // Removing one gives its reservation back.
    REQUIRE(table.remove(2).has_value());
    CHECK(table.reserved_pages() == 14);
    CHECK(table.add_header(header(4, 1, 10, pfn_run(0, 10)))->complete);
}

TEST_CASE("remove returns pending or complete GPADLs; clear drops everything")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    GpadlTable table(memory);
    REQUIRE(table.add_header(header(1, 2, 2, pfn_run(0, 2))).has_value());
    REQUIRE(table.add_header(header(3, 4, 30, pfn_run(10, 26))).has_value());
    auto pending = table.remove(3);
    REQUIRE(pending.has_value());
    CHECK(pending->child_relid == 4);
    CHECK(pending->pfns.size() == 26);
    CHECK_FALSE(table.add_body({ 3, pfn_run(36, 4) }).has_value());
    auto complete = table.remove(1);
    REQUIRE(complete.has_value());
    CHECK(complete->pfns == pfn_run(0, 2));
    CHECK_FALSE(table.remove(1).has_value());
    CHECK(table.size() == 0);

    REQUIRE(table.add_header(header(5, 2, 2, pfn_run(0, 2))).has_value());
    REQUIRE(table.add_header(header(6, 2, 9, {})).has_value());
    table.clear();
    CHECK(table.size() == 0);
    CHECK(table.reserved_pages() == 0);
    CHECK(table.find(5) == nullptr);
    CHECK(table.add_header(header(5, 2, 1, { 0 }))->complete); // Ids are free again.
}

TEST_CASE("every error has a name")
{
    for (int e = 0; e <= static_cast<int>(GpadlError::BadRingOffset); ++e) {
        CHECK(to_string(static_cast<GpadlError>(e)) != "unknown GPADL error");
    }
}
