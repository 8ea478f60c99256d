// SPDX-License-Identifier: Apache-2.0
// CDB parsing, with the CDBs Linux 6.1's scsi_scan.c and sd.c build at probe and for I/O.
#include "vmbus-lite/scsi/cdb.h"

#include "vmbus-lite/scsi/scsi_test_support.h"

using namespace vmbus::scsi;
using namespace vmbus::scsi::testing;

TEST_CASE("cdb: the scan's 36-byte standard INQUIRY parses with its allocation length")
{
    const auto command = std::get<Inquiry>(parsed({ 0x12, 0, 0, 0, 36, 0 }));

    CHECK_FALSE(command.evpd);
    CHECK(command.page == 0);
    CHECK(command.allocation_length == 36);
}

TEST_CASE("cdb: INQUIRY with EVPD names its page and a 16-bit allocation length")
{
    const auto command = std::get<Inquiry>(parsed({ 0x12, 1, 0xb0, 0x01, 0x00, 0 }));

    CHECK(command.evpd);
    CHECK(command.page == 0xb0);
    CHECK(command.allocation_length == 256);
}

TEST_CASE("cdb: INQUIRY naming a page without EVPD is an invalid field")
{
    const auto command = parse_cdb(bytes({ 0x12, 0, 0x80, 0, 36, 0 }));

    CHECK(command.error() == invalid_field_in_cdb);
}

TEST_CASE("cdb: READ(10) carries a 32-bit LBA, a 16-bit count and FUA")
{
    const auto command
        = std::get<ReadWrite>(parsed({ 0x28, 0x08, 0x12, 0x34, 0x56, 0x78, 0, 0x01, 0x00, 0 }));

    CHECK_FALSE(command.write);
    CHECK(command.fua);
    CHECK(command.lba == 0x12345678);
    CHECK(command.blocks == 256);
}

TEST_CASE("cdb: WRITE(16) carries a 64-bit LBA and a 32-bit count")
{
    const auto command = std::get<ReadWrite>(parsed(
        { 0x8a, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x00, 0x01, 0x00, 0x00, 0, 0 }));

    CHECK(command.write);
    CHECK_FALSE(command.fua);
    CHECK(command.lba == 0x0102030405060708);
    CHECK(command.blocks == 0x10000);
}

TEST_CASE("cdb: READ with protection information requested is an invalid field")
{
    const auto command = parse_cdb(bytes({ 0x28, 0x20, 0, 0, 0, 0, 0, 0, 1, 0 }));

    CHECK(command.error() == invalid_field_in_cdb);
}

TEST_CASE("cdb: READ CAPACITY(16) is SERVICE ACTION IN 0x10 with a 32-bit allocation length")
{
    const auto command = std::get<ReadCapacity16>(
        parsed({ 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0 }));

    CHECK(command.allocation_length == 32);
}

TEST_CASE("cdb: SERVICE ACTION IN with another action is an invalid opcode")
{
    const auto command
        = parse_cdb(bytes({ 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0 }));

    CHECK(command.error() == invalid_opcode);
}

TEST_CASE("cdb: MODE SENSE(6) carries DBD, page control, page and an 8-bit allocation length")
{
    const auto command = std::get<ModeSense>(parsed({ 0x1a, 0x08, 0x7f, 0, 192, 0 }));

    CHECK_FALSE(command.ten);
    CHECK(command.disable_block_descriptors);
    CHECK(command.page_control == 1);
    CHECK(command.page == 0x3f);
    CHECK(command.allocation_length == 192);
}

TEST_CASE("cdb: MODE SENSE(10) carries a 16-bit allocation length at bytes 7 and 8")
{
    const auto command = std::get<ModeSense>(parsed({ 0x5a, 0, 0x08, 0, 0, 0, 0, 0x02, 0x00, 0 }));

    CHECK(command.ten);
    CHECK(command.page == 0x08);
    CHECK(command.allocation_length == 512);
}

TEST_CASE("cdb: WRITE SAME(16) keeps its UNMAP bit")
{
    const auto command
        = std::get<WriteSame16>(parsed({ 0x93, 0x08, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 8, 0, 0 }));

    CHECK(command.unmap);
    CHECK(command.lba == 9);
    CHECK(command.blocks == 8);
}

TEST_CASE("cdb: WRITE SAME(16) with NDOB or ANCHOR is an invalid field")
{
    const auto command = parse_cdb(bytes({ 0x93, 0x09, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 8, 0, 0 }));

    CHECK(command.error() == invalid_field_in_cdb);
}

TEST_CASE("cdb: UNMAP carries its parameter list length")
{
    const auto command = std::get<Unmap>(parsed({ 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 }));

    CHECK(command.parameter_list_length == 24);
}

TEST_CASE("cdb: REPORT LUNS carries select report and a 32-bit allocation length")
{
    const auto command = std::get<ReportLuns>(parsed({ 0xa0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0 }));

    CHECK(command.select_report == 0);
    CHECK(command.allocation_length == 0x1000);
}

TEST_CASE("cdb: REQUEST SENSE asking for descriptor format is an invalid field")
{
    const auto command = parse_cdb(bytes({ 0x03, 0x01, 0, 0, 18, 0 }));

    CHECK(command.error() == invalid_field_in_cdb);
}

TEST_CASE("cdb: an opcode not served (FORMAT UNIT) is an invalid opcode")
{
    const auto command = parse_cdb(bytes({ 0x04, 0, 0, 0, 0, 0 }));

    CHECK(command.error() == invalid_opcode);
}

TEST_CASE("cdb: an unknown opcode is reported as such even when its CDB is short")
{
    const auto command = parse_cdb(bytes({ 0xc0 }));

    CHECK(command.error() == invalid_opcode);
}

TEST_CASE("cdb: a CDB shorter than its opcode's length is an invalid field")
{
    const auto command = parse_cdb(bytes({ 0x28, 0, 0, 0, 0, 0 }));

    CHECK(command.error() == invalid_field_in_cdb);
}

TEST_CASE("cdb: an empty CDB and one longer than 16 bytes are invalid fields")
{
    const std::vector<std::byte> seventeen(17);

    CHECK(parse_cdb({}).error() == invalid_field_in_cdb);
    CHECK(parse_cdb(seventeen).error() == invalid_field_in_cdb);
}

TEST_CASE("cdb: bytes past the opcode's length are ignored")
{
    const auto command = std::get<Inquiry>(parsed({ 0x12, 0, 0, 0, 36, 0, 0xff, 0xff }));

    CHECK(command.allocation_length == 36);
}
