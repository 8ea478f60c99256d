// SPDX-License-Identifier: Apache-2.0
// The GPADLs a guest has described (docs/vmbus.md#sequences): page lists assembled from one
// GPADL_HEADER and the GPADL_BODY messages that follow it, each PFN checked against guest RAM as it
// arrives. Holds PFNs only, never host pointers: mapping happens when a ring or buffer is opened.
#pragma once
#include "base/result.h"
#include "guestmem/guest_memory.h"
#include "vmbus-lite/gpadl/gpadl_error.h"
#include "vmbus-lite/protocol/parse.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace vmbus {

/// A GPADL: guest pages in order, with the byte range they carry.
struct Gpadl {
    uint32_t id;
    uint32_t child_relid;
    uint32_t byte_offset; ///< Into the first page; < 4096.
    uint32_t byte_count;
    /// ceil((byte_offset + byte_count) / 4096) once complete, each in guest RAM.
    std::vector<uint64_t> pfns;
};

/// Where a GPADL stands after a message. When `complete`, the caller answers
/// GPADL_CREATED{child_relid, gpadl, 0}.
struct GpadlProgress {
    uint32_t gpadl;
    uint32_t child_relid;
    bool complete;
};

/// What one guest may make the host hold. Outside GpadlTable only so that it can be a default
/// argument of the constructor.
struct GpadlLimits {
    uint32_t max_pages_per_gpadl = 16384; ///< 64 MiB; the wire format caps it at 8190 anyway.
    uint32_t max_gpadls = 4096; ///< Pending and complete together.
    uint64_t max_total_pages = 1ull << 20; ///< 8 MiB of PFN lists; pages may repeat.
};

/// Lives on the event thread with the rest of the VMBus state; not thread-safe. `memory` must
/// outlive the table.
class GpadlTable {
public:
    using Limits = GpadlLimits;

    explicit GpadlTable(const vmm::GuestMemory& memory, Limits limits = {});

    /// GPADL_HEADER: starts assembling a GPADL, complete at once if the header carried every PFN.
    /// The announced page count is reserved against the limits now, so a guest cannot exceed them
    /// with bodies. On failure nothing is added and the header's relid is in the failure.
    [[nodiscard]] vmm::Result<GpadlProgress, GpadlFailure> add_header(const GpadlHeader& header);

    /// GPADL_BODY: appends PFNs to a pending GPADL. On failure the pending GPADL is dropped (its
    /// relid is in the failure), so later bodies for it fail with UnknownId and need no reply.
    [[nodiscard]] vmm::Result<GpadlProgress, GpadlFailure> add_body(const GpadlBody& body);

    /// A complete GPADL, or null. Valid until it is removed or the table cleared.
    const Gpadl* find(uint32_t id) const;

    /// Removes a pending or complete GPADL (GPADL_TEARDOWN), returning it. Rings mapped from it
    /// stay memory-safe (they point into GuestMemory), but the caller must stop using them first:
    /// after GPADL_TORNDOWN the guest reuses the pages.
    std::optional<Gpadl> remove(uint32_t id);

    /// Drops every GPADL (INITIATE_CONTACT, UNLOAD).
    void clear();

    /// GPADLs held, pending and complete.
    size_t size() const { return m_entries.size(); }
    /// Pages reserved by all GPADLs, counted at their announced size.
    uint64_t reserved_pages() const { return m_reserved_pages; }

private:
    struct Entry {
        Gpadl gpadl;
        uint32_t page_count; ///< Announced by the header; complete when pfns has this many.
        bool complete() const { return gpadl.pfns.size() == page_count; }
    };

    bool page_in_ram(uint64_t pfn) const;
    /// Appends `pfns` to the entry, checking count and RAM. Leaves the entry unchanged on failure.
    vmm::Result<void, GpadlError> append(Entry& entry, const std::vector<uint64_t>& pfns) const;
    void erase(std::unordered_map<uint32_t, Entry>::iterator it);

    const vmm::GuestMemory& m_memory;
    Limits m_limits;
    std::unordered_map<uint32_t, Entry> m_entries; // Node-based: find()'s pointers stay valid.
    uint64_t m_reserved_pages { 0 };
};

} // namespace vmbus
