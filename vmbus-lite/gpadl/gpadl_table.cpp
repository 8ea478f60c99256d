// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/gpadl/gpadl_table.h"

namespace vmbus {

namespace {

constexpr uint64_t gpadl_page_size = 4096;
constexpr unsigned gpadl_page_shift = 12;

} // namespace

GpadlTable::GpadlTable(const vmm::GuestMemory& memory, Limits limits)
    : m_memory(memory)
    , m_limits(limits)
{
}

bool GpadlTable::page_in_ram(uint64_t pfn) const
{
    // A PFN above 2^52 would wrap when shifted into an address that might then look valid.
    if (pfn > (UINT64_MAX >> gpadl_page_shift)) {
        return false;
    }
    return m_memory.contains(vmm::GuestAddress(pfn << gpadl_page_shift), gpadl_page_size);
}

vmm::Result<void, GpadlError> GpadlTable::append(
    Entry& entry, const std::vector<uint64_t>& pfns) const
{
    if (pfns.size() > entry.page_count - entry.gpadl.pfns.size()) {
        return vmm::unexpected(GpadlError::TooManyPages);
    }
    for (const uint64_t pfn : pfns) {
        if (!page_in_ram(pfn)) {
            return vmm::unexpected(GpadlError::PageOutsideRam);
        }
    }
    entry.gpadl.pfns.insert(entry.gpadl.pfns.end(), pfns.begin(), pfns.end());
    return {};
}

vmm::Result<GpadlProgress, GpadlFailure> GpadlTable::add_header(const GpadlHeader& header)
{
    auto fail = [&](GpadlError error) {
        return vmm::unexpected(GpadlFailure { error, header.gpadl, header.child_relid });
    };
    // The parser checks these too; the table re-checks because anyone can build a GpadlHeader.
    const uint64_t pages = (uint64_t(header.byte_offset) + header.byte_count + gpadl_page_size - 1)
        / gpadl_page_size;
    if (header.byte_count == 0 || header.byte_offset >= gpadl_page_size
        || header.page_count != pages) {
        return fail(GpadlError::BadRange);
    }
    if (m_entries.contains(header.gpadl)) {
        return fail(GpadlError::DuplicateId);
    }
    if (header.page_count > m_limits.max_pages_per_gpadl) {
        return fail(GpadlError::TooManyPages);
    }
    if (m_entries.size() >= m_limits.max_gpadls) {
        return fail(GpadlError::TooManyGpadls);
    }
    // m_reserved_pages never exceeds the limit, so the subtraction cannot wrap.
    if (header.page_count > m_limits.max_total_pages - m_reserved_pages) {
        return fail(GpadlError::TooManyTotalPages);
    }

    Entry entry { { header.gpadl, header.child_relid, header.byte_offset, header.byte_count, {} },
        header.page_count };
    entry.gpadl.pfns.reserve(header.page_count); // Bounded by the limits checked above.
    if (auto appended = append(entry, header.pfns); !appended) {
        return fail(appended.error());
    }
    const bool complete = entry.complete();
    m_entries.emplace(header.gpadl, std::move(entry));
    m_reserved_pages += header.page_count;
    return GpadlProgress { header.gpadl, header.child_relid, complete };
}

vmm::Result<GpadlProgress, GpadlFailure> GpadlTable::add_body(const GpadlBody& body)
{
    const auto it = m_entries.find(body.gpadl);
    // A body for a complete GPADL has nothing to extend; the GPADL itself stays intact.
    if (it == m_entries.end() || it->second.complete()) {
        return vmm::unexpected(GpadlFailure { GpadlError::UnknownId, body.gpadl, std::nullopt });
    }
    Entry& entry = it->second;
    const uint32_t relid = entry.gpadl.child_relid;
    if (auto appended = append(entry, body.pfns); !appended) {
        erase(it);
        return vmm::unexpected(GpadlFailure { appended.error(), body.gpadl, relid });
    }
    return GpadlProgress { body.gpadl, relid, entry.complete() };
}

const Gpadl* GpadlTable::find(uint32_t id) const
{
    const auto it = m_entries.find(id);
    if (it == m_entries.end() || !it->second.complete()) {
        return nullptr;
    }
    return &it->second.gpadl;
}

std::optional<Gpadl> GpadlTable::remove(uint32_t id)
{
    const auto it = m_entries.find(id);
    if (it == m_entries.end()) {
        return std::nullopt;
    }
    Gpadl gpadl = std::move(it->second.gpadl);
    erase(it);
    return gpadl;
}

void GpadlTable::erase(std::unordered_map<uint32_t, Entry>::iterator it)
{
    m_reserved_pages -= it->second.page_count;
    m_entries.erase(it);
}

void GpadlTable::clear()
{
    m_entries.clear();
    m_reserved_pages = 0;
}

} // namespace vmbus
