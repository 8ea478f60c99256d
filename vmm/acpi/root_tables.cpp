// SPDX-License-Identifier: Apache-2.0
// The two root tables: the RSDP the guest finds first (ACPI 6.5 §5.2.5.3) and the XSDT it points
// to (§5.2.8).
#include "vmm/acpi/sdt.h"
#include "vmm/acpi/tables.h"

#include "base/bytes.h"

namespace vmm::acpi {
namespace {

/// Packed because the spec places a u64 at offset 24 and the structure is 36 bytes long.
struct [[gnu::packed]] Rsdp {
    char signature[8]; // 0: "RSD PTR ".
    uint8_t checksum; // 8: covers bytes 0-19 (the ACPI 1.0 structure).
    char oem_id[6]; // 9
    uint8_t revision; // 15: 2 = ACPI 2.0+ structure with the XSDT address.
    uint32_t rsdt_address; // 16: 0, we provide no RSDT.
    uint32_t length; // 20: whole structure.
    uint64_t xsdt_address; // 24
    uint8_t extended_checksum; // 32: covers the whole structure.
    uint8_t reserved[3]; // 33
};
static_assert(sizeof(Rsdp) == 36);
static_assert(offsetof(Rsdp, xsdt_address) == 24);

constexpr size_t rsdp_v1_length = 20;
constexpr uint8_t rsdp_revision = 2;
constexpr uint8_t xsdt_revision = 1;

} // namespace

Bytes build_rsdp(GuestAddress xsdt)
{
    Rsdp rsdp {};
    copy_id(rsdp.signature, "RSD PTR ");
    copy_id(rsdp.oem_id, oem_id);
    rsdp.revision = rsdp_revision;
    rsdp.length = sizeof(Rsdp);
    rsdp.xsdt_address = xsdt.value;

    Bytes out;
    append_le(out, rsdp);
    // The first checksum covers only the ACPI 1.0 part; the extended one covers everything,
    // including the first checksum, so it must be computed second.
    out[offsetof(Rsdp, checksum)]
        = std::byte { checksum_for(std::span(out).first(rsdp_v1_length)) };
    out[offsetof(Rsdp, extended_checksum)] = std::byte { checksum_for(out) };
    return out;
}

Bytes build_xsdt(std::span<const GuestAddress> tables)
{
    Bytes table;
    append_le(table, make_sdt_header("XSDT", xsdt_revision, "PVMXSDT "));
    // Entries are u64 at offset 36, so unaligned; append_le copies bytes, so that does not matter.
    for (GuestAddress address : tables) {
        append_le(table, address.value);
    }
    finish_table(table);
    return table;
}

} // namespace vmm::acpi
