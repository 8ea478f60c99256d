// SPDX-License-Identifier: Apache-2.0
// GPA-direct ranges as storvsc_queuecommand builds them (struct vmbus_packet_mpb_array in
// include/linux/hyperv.h), and the hostile variants the parser must refuse.
#include "vmbus-lite/storvsp/gpa_range.h"

#include "vmbus-lite/storvsp/storvsp_test_support.h"

#include <doctest/doctest.h>

#include <vector>

using namespace vmbus;
using namespace vmbus::storvsp;

namespace {

constexpr uint32_t max_bytes = 1 << 20;

/// A GPA-direct packet with one range header and `pfns`, followed by a 64-byte payload.
Packet gpa_packet(uint32_t range_count, uint32_t byte_count, uint32_t byte_offset,
    const std::vector<uint64_t>& pfns)
{
    const std::vector<std::byte> payload(64);
    return storvsp_test::gpa_direct_packet(payload, 7, pfns, byte_count, byte_offset, range_count);
}

} // namespace

TEST_CASE("gpa_range: one page-aligned page gives one segment of the byte count")
{
    const auto range = parse_gpa_range(gpa_packet(1, 4096, 0, { 0x1234 }), max_bytes).value();

    CHECK(range.byte_count == 4096);
    CHECK(range.segments == std::vector<Segment> { { 0x1234000, 4096 } });
}

TEST_CASE("gpa_range: an offset start spills into a second page, split where pages differ")
{
    const auto range
        = parse_gpa_range(gpa_packet(1, 4096, 0x200, { 0x10, 0x40 }), max_bytes).value();

    CHECK(range.segments == std::vector<Segment> { { 0x10200, 0xe00 }, { 0x40000, 0x200 } });
}

TEST_CASE("gpa_range: physically consecutive pages merge into one segment")
{
    const auto range
        = parse_gpa_range(gpa_packet(1, 3 * 4096, 0, { 0x10, 0x11, 0x12 }), max_bytes).value();

    CHECK(range.segments == std::vector<Segment> { { 0x10000, 3 * 4096 } });
}

TEST_CASE("gpa_range: trailing PFNs an older kernel listed past the data are ignored")
{
    const auto range
        = parse_gpa_range(gpa_packet(1, 512, 0, { 0x10, 0x99, 0x98 }), max_bytes).value();

    CHECK(range.segments == std::vector<Segment> { { 0x10000, 512 } });
}

TEST_CASE("gpa_range: a zero-length transfer gives no segments")
{
    const auto range = parse_gpa_range(gpa_packet(1, 0, 0x100, {}), max_bytes).value();

    CHECK(range.byte_count == 0);
    CHECK(range.segments.empty());
}

TEST_CASE("gpa_range: a descriptor with two ranges is refused")
{
    CHECK(parse_gpa_range(gpa_packet(2, 4096, 0, { 0x10 }), max_bytes).error()
        == GpaRangeError::RangeCount);
}

TEST_CASE("gpa_range: a byte offset of 4096 is refused")
{
    CHECK(parse_gpa_range(gpa_packet(1, 16, 4096, { 0x10, 0x11 }), max_bytes).error()
        == GpaRangeError::ByteOffset);
}

TEST_CASE("gpa_range: a byte count over the caller's maximum is refused")
{
    CHECK(parse_gpa_range(gpa_packet(1, 8192, 0, { 0x10, 0x11 }), 4096).error()
        == GpaRangeError::TooLong);
}

TEST_CASE("gpa_range: a range needing more PFNs than the descriptor holds is refused")
{
    CHECK(parse_gpa_range(gpa_packet(1, 4097, 0, { 0x10 }), max_bytes).error()
        == GpaRangeError::PfnsMissing);
}

TEST_CASE("gpa_range: a descriptor area too small for the range header is refused")
{
    auto packet = gpa_packet(1, 0, 0, {});
    packet.descriptor.offset8 = 3;

    CHECK(parse_gpa_range(packet, max_bytes).error() == GpaRangeError::Truncated);
}

TEST_CASE("gpa_range: a PFN beyond the 52-bit physical address space is refused")
{
    CHECK(parse_gpa_range(gpa_packet(1, 16, 0, { uint64_t(1) << 40 }), max_bytes).error()
        == GpaRangeError::PfnTooLarge);
}

TEST_CASE("gpa_range: an inband packet is not a GPA-direct one")
{
    auto packet = gpa_packet(1, 16, 0, { 0x10 });
    packet.descriptor.type = VM_PKT_DATA_INBAND;

    CHECK(parse_gpa_range(packet, max_bytes).error() == GpaRangeError::NotGpaDirect);
}
