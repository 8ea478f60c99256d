// SPDX-License-Identifier: Apache-2.0
// Lays the ACPI tables out in the BIOS read-only area of guest memory. The RSDP goes first, at
// layout::acpi_start, because the guest's fallback scan of 0xe0000-0xfffff looks at 16-byte
// boundaries from there; the other tables follow, each 16-byte aligned.
#include "vmm/acpi/tables.h"

#include "base/check.h"
#include "guestmem/guest_memory.h"
#include "vmm/layout/layout.h"

#include <array>

namespace vmm::acpi {
namespace {

constexpr uint64_t table_alignment = 16;

constexpr uint64_t align_up(uint64_t value)
{
    return (value + table_alignment - 1) & ~(table_alignment - 1);
}

/// Hands out 16-byte-aligned addresses in [acpi_start, acpi_start + acpi_size).
class AreaAllocator {
public:
    /// Reserves `size` bytes, or fails if they would pass the end of the ACPI area.
    Result<GuestAddress> allocate(uint64_t size)
    {
        uint64_t offset = align_up(m_used);
        if (size > layout::acpi_size || offset > layout::acpi_size - size) {
            return Error::out_of_range("ACPI tables do not fit in the BIOS area");
        }
        m_used = offset + size;
        return GuestAddress(layout::acpi_start + offset);
    }

private:
    uint64_t m_used { 0 };
};

// Sizes known before any address is: the RSDP and FADT are fixed, and the XSDT lists exactly the
// FADT and the MADT (the DSDT is reached through the FADT's X_DSDT).
constexpr uint64_t rsdp_size = 36;
constexpr uint64_t fadt_size = 276;
constexpr size_t xsdt_entry_count = 2;
constexpr uint64_t xsdt_size = 36 + 8 * xsdt_entry_count;

struct Placed {
    GuestAddress address;
    const Bytes* table;
};

} // namespace

Result<GuestAddress> write_acpi_tables(GuestMemory& memory, const AcpiConfig& config)
{
    // The DSDT and MADT do not depend on any address, so build them first to learn their sizes.
    Bytes dsdt = build_dsdt(config);
    Bytes madt = TRY(build_madt(config.vcpu_count));

    AreaAllocator area;
    GuestAddress rsdp_address = TRY(area.allocate(rsdp_size));
    GuestAddress xsdt_address = TRY(area.allocate(xsdt_size));
    GuestAddress fadt_address = TRY(area.allocate(fadt_size));
    GuestAddress madt_address = TRY(area.allocate(madt.size()));
    GuestAddress dsdt_address = TRY(area.allocate(dsdt.size()));

    Bytes fadt = build_fadt(dsdt_address);
    std::array<GuestAddress, xsdt_entry_count> xsdt_entries { fadt_address, madt_address };
    Bytes xsdt = build_xsdt(xsdt_entries);
    Bytes rsdp = build_rsdp(xsdt_address);
    DCHECK(rsdp.size() == rsdp_size && fadt.size() == fadt_size && xsdt.size() == xsdt_size);

    // Clear the whole area first so nothing an earlier boot (or a guest write) left there survives
    // next to the new tables.
    TRY(memory.fill(GuestAddress(layout::acpi_start), layout::acpi_size, std::byte { 0 }));
    const std::array<Placed, 5> placed { {
        { rsdp_address, &rsdp },
        { xsdt_address, &xsdt },
        { fadt_address, &fadt },
        { madt_address, &madt },
        { dsdt_address, &dsdt },
    } };
    for (const Placed& entry : placed) {
        TRY(memory.write(entry.address, *entry.table));
    }
    return rsdp_address;
}

} // namespace vmm::acpi
