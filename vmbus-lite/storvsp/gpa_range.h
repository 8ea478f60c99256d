// SPDX-License-Identifier: Apache-2.0
// The one page range a VM_PKT_DATA_USING_GPA_DIRECT packet describes (docs/storvsp.md#data
// buffers), turned into guest-physical segments. Pure: it reads only the packet's own bytes, never
// guest memory. Layout: include/linux/hyperv.h, struct vmbus_packet_mpb_array.
#pragma once
#include "base/result.h"
#include "vmbus-lite/ring/packet.h"

#include <cstdint>
#include <vector>

namespace vmbus::storvsp {

constexpr uint32_t gpa_page_size = 4096;

/// A run of guest-physical bytes; consecutive PFNs are merged into one segment.
struct Segment {
    uint64_t gpa { 0 };
    uint32_t length { 0 };
    bool operator==(const Segment&) const = default;
};

/// The data buffer of one request.
struct GpaRange {
    uint32_t byte_count { 0 }; ///< Sum of the segments' lengths.
    std::vector<Segment> segments;
};

enum class GpaRangeError {
    NotGpaDirect, ///< The packet's type is not VM_PKT_DATA_USING_GPA_DIRECT.
    Truncated, ///< The descriptor area cannot hold the range header.
    RangeCount, ///< Not exactly one range (Linux's storvsc always sends one).
    ByteOffset, ///< The first byte is not inside the first page.
    TooLong, ///< byte_count is over the caller's maximum.
    PfnsMissing, ///< The descriptor area lists fewer pages than offset + count cover.
    PfnTooLarge, ///< A PFN past the 52-bit physical address space.
};

/// Reads the range of a GPA-direct `packet` (already copied out of the ring and validated by
/// it): range count 1, byte_offset < 4096, byte_count <= `max_byte_count`, and the PFNs that
/// offset + count cover all inside the descriptor area (before offset8 * 8). PFNs past those are
/// ignored: older kernels listed unused trailing pages. A zero byte_count gives no segments.
vmm::Result<GpaRange, GpaRangeError> parse_gpa_range(const Packet& packet, uint32_t max_byte_count);

} // namespace vmbus::storvsp
