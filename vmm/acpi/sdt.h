// SPDX-License-Identifier: Apache-2.0
// Pieces shared by every ACPI system description table: the 36-byte header (ACPI 6.5 §5.2.6), the
// Generic Address Structure (§5.2.3.2) and the final length/checksum fix-up. Internal to vmm/acpi.
#pragma once
#include "vmm/acpi/byte_buffer.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace vmm::acpi {

/// OEM identity written into every table (and the RSDP).
constexpr std::string_view oem_id = "PARTVM";
constexpr uint32_t oem_revision = 1;
constexpr std::string_view creator_id = "PTVM"; // "Vendor ID of utility that created the table".
constexpr uint32_t creator_revision = 1;

/// System Description Table header. Naturally aligned, so no packing is needed.
struct SdtHeader {
    char signature[4]; // 0
    uint32_t length; // 4: whole table, header included.
    uint8_t revision; // 8
    uint8_t checksum; // 9: makes the whole table sum to zero.
    char oem_id[6]; // 10
    char oem_table_id[8]; // 16
    uint32_t oem_revision; // 24
    char creator_id[4]; // 28
    uint32_t creator_revision; // 32
};
static_assert(sizeof(SdtHeader) == 36);
constexpr size_t sdt_length_offset = offsetof(SdtHeader, length);
constexpr size_t sdt_checksum_offset = offsetof(SdtHeader, checksum);

/// Generic Address Structure: where a register lives. Packed because the spec puts a u64 at
/// offset 4.
struct [[gnu::packed]] GenericAddress {
    uint8_t space_id; // 0: address space, see below.
    uint8_t bit_width; // 1: register size in bits.
    uint8_t bit_offset; // 2
    uint8_t access_size; // 3: see below.
    uint64_t address; // 4
};
static_assert(sizeof(GenericAddress) == 12);

constexpr uint8_t ACPI_ADR_SPACE_SYSTEM_IO = 1;
constexpr uint8_t ACPI_ACCESS_SIZE_BYTE = 1; // access_size 1 = byte access (2 word, 3 dword...).

/// An 8-bit register at an I/O port, accessed with single-byte IN/OUT.
constexpr GenericAddress io_port_register_8(uint16_t port)
{
    return { ACPI_ADR_SPACE_SYSTEM_IO, 8, 0, ACPI_ACCESS_SIZE_BYTE, port };
}

/// A header for a table with the given 4-character signature and 8-character OEM table id.
/// Length and checksum stay zero until finish_table().
SdtHeader make_sdt_header(
    std::string_view signature, uint8_t revision, std::string_view oem_table_id);

/// Writes the table's length (its current size) and the checksum that makes it sum to zero.
/// Call once, after the last byte is appended.
void finish_table(Bytes& table);

/// Copies `text` into a fixed-size, space-padded ACPI identifier field. `text` must fit.
void copy_id(std::span<char> field, std::string_view text);

} // namespace vmm::acpi
