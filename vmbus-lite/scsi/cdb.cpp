// SPDX-License-Identifier: Apache-2.0
// Field offsets are those of SPC-4 (INQUIRY, MODE SENSE, REPORT LUNS, REQUEST SENSE, TEST UNIT
// READY) and SBC-3 (READ/WRITE, READ CAPACITY, SYNCHRONIZE CACHE, UNMAP, WRITE SAME).
#include "vmbus-lite/scsi/cdb.h"

#include "vmbus-lite/scsi/big_endian.h"

#include <algorithm>
#include <array>

namespace vmbus::scsi {
namespace {

using vmm::unexpected;
using Parsed = vmm::Result<Command, Sense>;
using Cdb = std::span<const std::byte>;

/// The CDB length a command's opcode implies, from its group code (SPC-4): the opcodes
/// served here all use the standard lengths of their group.
size_t length_for(uint8_t op)
{
    switch (op >> 5) {
    case 0:
        return 6;
    case 1:
    case 2:
        return 10;
    case 4:
        return 16;
    case 5:
        return 12;
    default:
        return 0; // groups 3, 6 and 7 are variable or vendor specific: none served
    }
}

uint8_t byte_at(Cdb cdb, size_t index)
{
    return static_cast<uint8_t>(cdb[index]);
}

Parsed inquiry(Cdb cdb)
{
    const bool evpd = byte_at(cdb, 1) & 0x01;
    const uint8_t page = byte_at(cdb, 2);
    // CMDDT (bit 1) is obsolete; a page code without EVPD is an error in SPC-4.
    if ((byte_at(cdb, 1) & 0xfe) != 0 || (!evpd && page != 0)) {
        return unexpected(invalid_field_in_cdb);
    }
    return Inquiry { evpd, page, static_cast<uint16_t>(load_be(cdb, 3, 2)) };
}

Parsed mode_sense(Cdb cdb, bool ten)
{
    ModeSense command;
    command.ten = ten;
    command.disable_block_descriptors = byte_at(cdb, 1) & 0x08;
    command.page_control = byte_at(cdb, 2) >> 6;
    command.page = byte_at(cdb, 2) & 0x3f;
    command.subpage = byte_at(cdb, 3);
    command.allocation_length = ten ? static_cast<uint16_t>(load_be(cdb, 7, 2)) : byte_at(cdb, 4);
    return command;
}

Parsed read_write(Cdb cdb, bool write, bool sixteen)
{
    ReadWrite command;
    command.write = write;
    command.fua = byte_at(cdb, 1) & 0x08;
    command.lba = sixteen ? load_be(cdb, 2, 8) : load_be(cdb, 2, 4);
    command.blocks = static_cast<uint32_t>(sixteen ? load_be(cdb, 10, 4) : load_be(cdb, 7, 2));
    // RDPROTECT/WRPROTECT (bits 7..5) ask for protection information, which this disk lacks.
    if ((byte_at(cdb, 1) & 0xe0) != 0) {
        return unexpected(invalid_field_in_cdb);
    }
    return command;
}

Parsed synchronize_cache(Cdb cdb, bool sixteen)
{
    SynchronizeCache command;
    command.lba = sixteen ? load_be(cdb, 2, 8) : load_be(cdb, 2, 4);
    command.blocks = static_cast<uint32_t>(sixteen ? load_be(cdb, 10, 4) : load_be(cdb, 7, 2));
    return command;
}

Parsed write_same_16(Cdb cdb)
{
    // Only UNMAP (bit 3) is meaningful here; ANCHOR (bit 4), NDOB (bit 0) and WRPROTECT are not
    // offered by VPD page 0xB2 and so are refused.
    if ((byte_at(cdb, 1) & ~0x08) != 0) {
        return unexpected(invalid_field_in_cdb);
    }
    return WriteSame16 { load_be(cdb, 2, 8), static_cast<uint32_t>(load_be(cdb, 10, 4)),
        (byte_at(cdb, 1) & 0x08) != 0 };
}

Parsed dispatch(Cdb cdb, uint8_t op)
{
    switch (op) {
    case opcode::test_unit_ready:
        return TestUnitReady {};
    case opcode::request_sense:
        // DESC (bit 0) asks for descriptor-format sense, which this disk does not produce.
        if ((byte_at(cdb, 1) & 0x01) != 0) {
            return unexpected(invalid_field_in_cdb);
        }
        return RequestSense { byte_at(cdb, 4) };
    case opcode::inquiry:
        return inquiry(cdb);
    case opcode::mode_sense_6:
        return mode_sense(cdb, false);
    case opcode::mode_sense_10:
        return mode_sense(cdb, true);
    case opcode::read_capacity_10:
        return ReadCapacity10 {};
    case opcode::service_action_in_16:
        if ((byte_at(cdb, 1) & 0x1f) != read_capacity_16_action) {
            return unexpected(invalid_opcode);
        }
        return ReadCapacity16 { static_cast<uint32_t>(load_be(cdb, 10, 4)) };
    case opcode::report_luns:
        return ReportLuns { byte_at(cdb, 2), static_cast<uint32_t>(load_be(cdb, 6, 4)) };
    case opcode::read_10:
    case opcode::write_10:
        return read_write(cdb, op == opcode::write_10, false);
    case opcode::read_16:
    case opcode::write_16:
        return read_write(cdb, op == opcode::write_16, true);
    case opcode::synchronize_cache_10:
        return synchronize_cache(cdb, false);
    case opcode::synchronize_cache_16:
        return synchronize_cache(cdb, true);
    case opcode::unmap:
        return Unmap { static_cast<uint16_t>(load_be(cdb, 7, 2)) };
    case opcode::write_same_16:
        return write_same_16(cdb);
    default:
        return unexpected(invalid_opcode);
    }
}

} // namespace

vmm::Result<Command, Sense> parse_cdb(std::span<const std::byte> cdb)
{
    if (cdb.empty() || cdb.size() > max_cdb_size) {
        return unexpected(invalid_field_in_cdb);
    }
    const uint8_t op = byte_at(cdb, 0);
    // Fields are read from a zero-padded copy of the opcode's full length, so no read can leave
    // the guest's bytes; a CDB shorter than its opcode needs is refused once the opcode is known
    // (an unknown opcode is reported as such whatever its length).
    std::array<std::byte, max_cdb_size> padded {};
    std::copy(cdb.begin(), cdb.end(), padded.begin());
    auto parsed = dispatch(padded, op);
    if (parsed.has_value() && cdb.size() < length_for(op)) {
        return unexpected(invalid_field_in_cdb);
    }
    return parsed;
}

} // namespace vmbus::scsi
