// SPDX-License-Identifier: Apache-2.0
// Why the host refuses a GPADL or a ring mapping built on one. Every value is the guest's doing:
// none of them is a host failure.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace vmbus {

enum class GpadlError {
    DuplicateId, ///< GPADL_HEADER with an id already pending or complete.
    UnknownId, ///< GPADL_BODY for an id with no GPADL being assembled.
    TooManyPages, ///< Over the per-GPADL limit, or more PFNs than the header announced.
    TooManyGpadls, ///< The table already holds Limits::max_gpadls GPADLs.
    TooManyTotalPages, ///< The GPADLs together would exceed Limits::max_total_pages.
    PageOutsideRam, ///< A PFN whose page is not wholly guest RAM (or whose address overflows).
    BadRange, ///< A header whose byte_offset, byte_count and page count disagree.
    NotARing, ///< A ring GPADL must cover whole pages: byte_offset 0, byte_count n * 4096.
    BadRingOffset, ///< downstream_ringbuffer_pageoffset leaves a ring without a data page.
};

std::string_view to_string(GpadlError error);

/// A refused GPADL message. `child_relid` is set when the guest waits for an answer: the caller
/// then sends GPADL_CREATED{*child_relid, gpadl, creation_status != 0}. It is empty only for a
/// GPADL_BODY that matches no pending GPADL (UnknownId): no one waits for that, so no reply.
struct GpadlFailure {
    GpadlError error;
    uint32_t gpadl;
    std::optional<uint32_t> child_relid;
};

} // namespace vmbus
