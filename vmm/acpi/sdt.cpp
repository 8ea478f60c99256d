// SPDX-License-Identifier: Apache-2.0
// The common table header and the length/checksum fix-up every table ends with (ACPI 6.5 §5.2.6).
#include "vmm/acpi/sdt.h"

#include "base/bytes.h"
#include "base/check.h"

#include <algorithm>

namespace vmm::acpi {

void copy_id(std::span<char> field, std::string_view text)
{
    CHECK(text.size() <= field.size());
    // OEM ids are conventionally padded with spaces (iasl pads the same way).
    std::fill(field.begin(), field.end(), ' ');
    std::copy(text.begin(), text.end(), field.begin());
}

SdtHeader make_sdt_header(
    std::string_view signature, uint8_t revision, std::string_view oem_table_id)
{
    CHECK(signature.size() == 4 && oem_table_id.size() == 8);
    SdtHeader header {};
    copy_id(header.signature, signature);
    header.revision = revision;
    copy_id(header.oem_id, oem_id);
    copy_id(header.oem_table_id, oem_table_id);
    header.oem_revision = oem_revision;
    copy_id(header.creator_id, creator_id);
    header.creator_revision = creator_revision;
    return header;
}

void finish_table(Bytes& table)
{
    CHECK(table.size() >= sizeof(SdtHeader) && table.size() <= UINT32_MAX);
    store_le<uint32_t>(table, sdt_length_offset, static_cast<uint32_t>(table.size()));
    table[sdt_checksum_offset] = std::byte { 0 };
    table[sdt_checksum_offset] = std::byte { checksum_for(table) };
}

} // namespace vmm::acpi
