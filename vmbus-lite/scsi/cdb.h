// SPDX-License-Identifier: Apache-2.0
// Command descriptor blocks: the guest's CDB bytes parsed into a typed command. Only the commands
// Linux's sd and scsi_scan send to a disk are recognised (docs/scsi.md lists them); any other
// opcode is refused here, before anything looks at the rest of the bytes.
#pragma once
#include "base/result.h"
#include "vmbus-lite/scsi/sense.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

namespace vmbus::scsi {

/// The longest CDB a VMBus SCSI request carries (and Linux's storvsc sets as max_cmd_len).
inline constexpr size_t max_cdb_size = 16;

/// SPC-4 opcodes this layer serves.
namespace opcode {
inline constexpr uint8_t test_unit_ready = 0x00;
inline constexpr uint8_t request_sense = 0x03;
inline constexpr uint8_t inquiry = 0x12;
inline constexpr uint8_t mode_sense_6 = 0x1a;
inline constexpr uint8_t read_capacity_10 = 0x25;
inline constexpr uint8_t read_10 = 0x28;
inline constexpr uint8_t write_10 = 0x2a;
inline constexpr uint8_t synchronize_cache_10 = 0x35;
inline constexpr uint8_t unmap = 0x42;
inline constexpr uint8_t mode_sense_10 = 0x5a;
inline constexpr uint8_t read_16 = 0x88;
inline constexpr uint8_t write_16 = 0x8a;
inline constexpr uint8_t synchronize_cache_16 = 0x91;
inline constexpr uint8_t write_same_16 = 0x93;
inline constexpr uint8_t service_action_in_16 = 0x9e;
inline constexpr uint8_t report_luns = 0xa0;
} // namespace opcode

/// SERVICE ACTION IN(16)'s READ CAPACITY(16).
inline constexpr uint8_t read_capacity_16_action = 0x10;

struct TestUnitReady { };
struct RequestSense {
    uint8_t allocation_length { 0 };
};
/// Standard data when `evpd` is false (page must then be 0), else the VPD page `page`.
struct Inquiry {
    bool evpd { false };
    uint8_t page { 0 };
    uint16_t allocation_length { 0 };
};
struct ReadCapacity10 { };
struct ReadCapacity16 {
    uint32_t allocation_length { 0 };
};
/// MODE SENSE(6) or (10): `page_control` is the PC field (0 current .. 3 saved).
struct ModeSense {
    bool ten { false };
    bool disable_block_descriptors { false };
    uint8_t page_control { 0 };
    uint8_t page { 0 };
    uint8_t subpage { 0 };
    uint16_t allocation_length { 0 };
};
struct ReportLuns {
    uint8_t select_report { 0 };
    uint32_t allocation_length { 0 };
};
/// READ or WRITE (10 or 16). A 0 block count transfers nothing and is not an error.
struct ReadWrite {
    bool write { false };
    uint64_t lba { 0 };
    uint32_t blocks { 0 };
    bool fua { false };
};
/// SYNCHRONIZE CACHE(10/16); 0 blocks means "to the last block".
struct SynchronizeCache {
    uint64_t lba { 0 };
    uint32_t blocks { 0 };
};
/// UNMAP: its ranges arrive in a data-out parameter list of `parameter_list_length` bytes.
struct Unmap {
    uint16_t parameter_list_length { 0 };
};
/// WRITE SAME(16); only the UNMAP form is served (see ScsiDisk).
struct WriteSame16 {
    uint64_t lba { 0 };
    uint32_t blocks { 0 };
    bool unmap { false };
};

using Command = std::variant<TestUnitReady, RequestSense, Inquiry, ReadCapacity10, ReadCapacity16,
    ModeSense, ReportLuns, ReadWrite, SynchronizeCache, Unmap, WriteSame16>;

/// Parses `cdb`, whose size is the CDB length the guest declared (at most max_cdb_size). An
/// unknown opcode or service action gives invalid_opcode; a CDB shorter than its opcode's length,
/// longer than max_cdb_size, or with a reserved or unsupported field set gives
/// invalid_field_in_cdb. Bytes past the opcode's length are ignored.
vmm::Result<Command, Sense> parse_cdb(std::span<const std::byte> cdb);

} // namespace vmbus::scsi
