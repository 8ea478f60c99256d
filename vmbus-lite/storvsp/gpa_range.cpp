// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/storvsp/gpa_range.h"

#include "base/bytes.h"

#include <algorithm>

namespace vmbus::storvsp {

namespace {

// vmbus_packet_mpb_array after the 16-byte descriptor: reserved u32 @16, rangecount u32 @20, then
// hv_mpb_array { len u32 @24, offset u32 @28, pfn_array u64[] @32 }.
constexpr size_t range_count_at = 20;
constexpr size_t byte_count_at = 24;
constexpr size_t byte_offset_at = 28;
constexpr size_t pfns_at = 32;
// x86-64 physical addresses have at most 52 bits; the check also keeps gpa + length from wrapping.
constexpr uint64_t max_pfn = (uint64_t(1) << 40) - 1;

} // namespace

vmm::Result<GpaRange, GpaRangeError> parse_gpa_range(const Packet& packet, uint32_t max_byte_count)
{
    if (packet.descriptor.type != VM_PKT_DATA_USING_GPA_DIRECT) {
        return vmm::unexpected(GpaRangeError::NotGpaDirect);
    }
    // The range lives between the descriptor and the payload; the ring already checked that
    // offset8 * 8 lies inside the packet, but stay inside `bytes` whatever the caller built.
    const size_t area_end = std::min(size_t(packet.descriptor.offset8) * 8, packet.bytes.size());
    if (area_end < pfns_at) {
        return vmm::unexpected(GpaRangeError::Truncated);
    }
    const std::span<const std::byte> area = std::span(packet.bytes).first(area_end);
    if (vmm::load_le<uint32_t>(area, range_count_at) != 1) {
        return vmm::unexpected(GpaRangeError::RangeCount);
    }
    const uint32_t byte_count = vmm::load_le<uint32_t>(area, byte_count_at);
    const uint32_t byte_offset = vmm::load_le<uint32_t>(area, byte_offset_at);
    if (byte_offset >= gpa_page_size) {
        return vmm::unexpected(GpaRangeError::ByteOffset);
    }
    if (byte_count > max_byte_count) {
        return vmm::unexpected(GpaRangeError::TooLong);
    }
    GpaRange range { byte_count, {} };
    if (byte_count == 0) {
        return range;
    }
    // 64-bit arithmetic: offset + count cannot wrap, and the page count is bounded by what the
    // area holds before any PFN is read.
    const uint64_t pages = (uint64_t(byte_offset) + byte_count + gpa_page_size - 1) / gpa_page_size;
    if (pages > (area_end - pfns_at) / sizeof(uint64_t)) {
        return vmm::unexpected(GpaRangeError::PfnsMissing);
    }
    uint64_t remaining = byte_count;
    uint32_t offset_in_page = byte_offset;
    for (uint64_t page = 0; page < pages; ++page) {
        const uint64_t pfn = vmm::load_le<uint64_t>(area, pfns_at + page * sizeof(uint64_t));
        if (pfn > max_pfn) {
            return vmm::unexpected(GpaRangeError::PfnTooLarge);
        }
        const uint64_t gpa = pfn * gpa_page_size + offset_in_page;
        const auto length
            = static_cast<uint32_t>(std::min<uint64_t>(remaining, gpa_page_size - offset_in_page));
        if (!range.segments.empty()
            && range.segments.back().gpa + range.segments.back().length == gpa) {
            range.segments.back().length += length;
        } else {
            range.segments.push_back({ gpa, length });
        }
        remaining -= length;
        offset_in_page = 0;
    }
    return range;
}

} // namespace vmbus::storvsp
