// SPDX-License-Identifier: Apache-2.0
// ScsiDisk answering parsed CDBs: capacity, truncation, range checks and the I/O it hands back.
#include "vmbus-lite/scsi/disk.h"

#include "vmbus-lite/scsi/scsi_test_support.h"

using namespace vmbus::scsi;
using namespace vmbus::scsi::testing;

namespace {
DiskConfig read_only_config()
{
    auto config = plain_config();
    config.read_only = true;
    return config;
}

DiskConfig huge_config()
{
    auto config = plain_config();
    config.block_count = uint64_t { 1 } << 40;
    return config;
}

std::vector<std::byte> unmap_list(int lba_low, int blocks_low)
{
    return bytes({ 0, 22, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, lba_low, 0, 0, 0, blocks_low, 0,
        0, 0, 0 });
}
} // namespace

TEST_CASE("disk: configs with a bad block size, no blocks, a long serial or tiny transfers fail")
{
    auto odd_block = plain_config();
    odd_block.block_size = 1024;
    auto empty = plain_config();
    empty.block_count = 0;
    auto long_serial = plain_config();
    long_serial.serial = std::string(33, 'x');
    auto control_serial = plain_config();
    control_serial.serial = "a\nb";
    auto tiny = plain_config();
    tiny.max_transfer_bytes = 256;

    CHECK_FALSE(ScsiDisk::create(odd_block).has_value());
    CHECK_FALSE(ScsiDisk::create(empty).has_value());
    CHECK_FALSE(ScsiDisk::create(long_serial).has_value());
    CHECK_FALSE(ScsiDisk::create(control_serial).has_value());
    CHECK_FALSE(ScsiDisk::create(tiny).has_value());
}

TEST_CASE("disk: a byte size past 64 bits is refused")
{
    auto config = plain_config();
    config.block_size = 4096;
    config.block_count = UINT64_MAX / 4096 + 1;

    CHECK_FALSE(ScsiDisk::create(config).has_value());
}

TEST_CASE("disk: READ CAPACITY(10) gives the last LBA and the block size")
{
    const auto data = data_of(run(make_disk(plain_config()), { 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));

    CHECK(data == bytes({ 0, 0x1f, 0xff, 0xff, 0, 0, 0x02, 0 }));
}

TEST_CASE("disk: READ CAPACITY(10) saturates at 0xFFFFFFFF for a disk past 2^32 blocks")
{
    const auto data = data_of(run(make_disk(huge_config()), { 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));

    CHECK(be(data, 0, 4) == 0xffffffff);
}

TEST_CASE("disk: READ CAPACITY(16) gives the exact last LBA and LBPME for a discarding disk")
{
    const auto data = data_of(
        run(make_disk(huge_config()), { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0 }));

    REQUIRE(data.size() == 32);
    CHECK(be(data, 0, 8) == (uint64_t { 1 } << 40) - 1);
    CHECK(be(data, 8, 4) == 512);
    CHECK(at(data, 14) == 0x80);
}

TEST_CASE("disk: data-in is cut to the allocation length")
{
    const auto data = data_of(run(make_disk(plain_config()), { 0x12, 0, 0, 0, 5, 0 }));

    CHECK(data.size() == 5);
}

TEST_CASE("disk: data-in is cut to the guest's buffer when that is shorter")
{
    const auto data = data_of(run(make_disk(plain_config()), { 0x12, 0, 0, 0, 36, 0 }, 8));

    CHECK(data.size() == 8);
}

TEST_CASE("disk: MODE SENSE through the disk keeps the full mode data length when truncated")
{
    const auto data = data_of(run(make_disk(plain_config()), { 0x1a, 0, 0x3f, 0, 4, 0 }));

    REQUIRE(data.size() == 4);
    CHECK(at(data, 0) == 31);
}

TEST_CASE("disk: a read inside the disk becomes a Read request")
{
    const auto answer = run(make_disk(plain_config()), { 0x28, 0, 0, 0, 0x10, 0, 0, 0, 8, 0 });

    const auto* read = std::get_if<Read>(&answer);
    REQUIRE(read != nullptr);
    CHECK(read->lba == 0x1000);
    CHECK(read->blocks == 8);
}

TEST_CASE("disk: a FUA write becomes a Write request with fua set")
{
    const auto answer = run(make_disk(plain_config()), { 0x2a, 0x08, 0, 0, 0, 1, 0, 0, 1, 0 });

    const auto* write = std::get_if<Write>(&answer);
    REQUIRE(write != nullptr);
    CHECK(write->fua);
}

TEST_CASE("disk: a read ending exactly at the last block is allowed")
{
    const auto answer
        = run(make_disk(plain_config()), { 0x28, 0, 0, 0x1f, 0xff, 0xff, 0, 0, 1, 0 });

    CHECK(std::holds_alternative<Read>(answer));
}

TEST_CASE("disk: a read running one block past the end is LBA out of range")
{
    const auto answer
        = run(make_disk(plain_config()), { 0x28, 0, 0, 0x1f, 0xff, 0xff, 0, 0, 2, 0 });

    CHECK(sense_of(answer) == lba_out_of_range);
}

TEST_CASE("disk: an LBA plus count that wraps 2^64 is LBA out of range")
{
    const auto answer = run(make_disk(plain_config()),
        { 0x88, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0, 0 });

    CHECK(sense_of(answer) == lba_out_of_range);
}

TEST_CASE("disk: a transfer of 0 blocks moves nothing and succeeds")
{
    const auto data = data_of(run(make_disk(plain_config()), { 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));

    CHECK(data.empty());
}

TEST_CASE("disk: a transfer over the maximum transfer length is an invalid field")
{
    const auto answer = run(make_disk(plain_config()), { 0x28, 0, 0, 0, 0, 0, 0, 0x08, 0x01, 0 });

    CHECK(sense_of(answer) == invalid_field_in_cdb);
}

TEST_CASE("disk: a write to a read-only disk is refused as write protected")
{
    const auto answer = run(make_disk(read_only_config()), { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 });

    CHECK(sense_of(answer) == write_protected);
}

TEST_CASE("disk: a read from a read-only disk is served")
{
    const auto answer = run(make_disk(read_only_config()), { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 });

    CHECK(std::holds_alternative<Read>(answer));
}

TEST_CASE("disk: SYNCHRONIZE CACHE becomes a Flush, and past the end is out of range")
{
    const auto disk = make_disk(plain_config());

    const auto inside = run(disk, { 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
    const auto past = run(disk, { 0x35, 0, 0, 0x20, 0, 0, 0, 0, 0, 0 });

    CHECK(std::holds_alternative<Flush>(inside));
    CHECK(sense_of(past) == lba_out_of_range);
}

TEST_CASE("disk: UNMAP becomes a Discard of the listed ranges")
{
    const auto list = unmap_list(0x20, 4);

    const auto answer
        = make_disk(plain_config()).execute(parsed({ 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 }), list, 0);

    const auto* discard = std::get_if<Discard>(&answer);
    REQUIRE(discard != nullptr);
    CHECK(discard->ranges == std::vector<BlockRange> { { 0x20, 4 } });
}

TEST_CASE("disk: UNMAP of a range past the end is LBA out of range")
{
    auto config = plain_config();
    config.block_count = 0x21;
    const auto list = unmap_list(0x20, 2);

    const auto answer
        = make_disk(config).execute(parsed({ 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 }), list, 0);

    CHECK(sense_of(answer) == lba_out_of_range);
}

TEST_CASE("disk: UNMAP on a disk without discard is an invalid opcode")
{
    auto config = plain_config();
    config.discard = false;
    const auto list = unmap_list(0, 1);

    const auto answer
        = make_disk(config).execute(parsed({ 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 }), list, 0);

    CHECK(sense_of(answer) == invalid_opcode);
}

TEST_CASE("disk: UNMAP on a read-only disk is write protected")
{
    const auto list = unmap_list(0, 1);

    const auto answer = make_disk(read_only_config())
                            .execute(parsed({ 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 }), list, 0);

    CHECK(sense_of(answer) == write_protected);
}

TEST_CASE("disk: WRITE SAME(16) with UNMAP becomes a Discard; without UNMAP it is refused")
{
    const auto disk = make_disk(plain_config());

    const auto with = run(disk, { 0x93, 0x08, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 8, 0, 0 });
    const auto without = run(disk, { 0x93, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 8, 0, 0 });

    const auto* discard = std::get_if<Discard>(&with);
    REQUIRE(discard != nullptr);
    CHECK(discard->ranges == std::vector<BlockRange> { { 9, 8 } });
    CHECK(sense_of(without) == invalid_field_in_cdb);
}

TEST_CASE("disk: REPORT LUNS lists LUN 0 and refuses an allocation length under 16")
{
    const auto disk = make_disk(plain_config());

    const auto data = data_of(run(disk, { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0 }));
    const auto short_allocation = run(disk, { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0 });

    CHECK(data == bytes({ 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
    CHECK(sense_of(short_allocation) == invalid_field_in_cdb);
}

TEST_CASE("disk: report_luns_data puts each LUN in byte 1 of its entry")
{
    const std::vector<uint8_t> luns { 0, 3 };

    const auto data = report_luns_data(luns);

    REQUIRE(data.size() == 24);
    CHECK(be(data, 0, 4) == 16);
    CHECK(at(data, 17) == 3);
}

TEST_CASE("disk: without a LUN, INQUIRY says none is there and REPORT LUNS lists the target's")
{
    const std::vector<uint8_t> luns { 0, 1, 2 };

    const auto inquiry = execute_without_lun(parsed({ 0x12, 0, 0, 0, 36, 0 }), luns, 4096);
    const auto vpd = execute_without_lun(parsed({ 0x12, 1, 0x80, 0, 36, 0 }), luns, 4096);
    const auto report
        = execute_without_lun(parsed({ 0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 }), luns, 4096);
    const auto read = execute_without_lun(parsed({ 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 }), luns, 4096);

    REQUIRE(inquiry);
    CHECK(at(data_of(*inquiry), 0) == 0x7f);
    REQUIRE(vpd);
    CHECK(sense_of(*vpd) == invalid_field_in_cdb);
    REQUIRE(report);
    CHECK(be(data_of(*report), 0, 4) == 24);
    CHECK_FALSE(read);
}

TEST_CASE("disk: TEST UNIT READY succeeds with no data")
{
    const auto data = data_of(run(make_disk(plain_config()), { 0, 0, 0, 0, 0, 0 }));

    CHECK(data.empty());
}

TEST_CASE("disk: REQUEST SENSE reports no sense in fixed format")
{
    const auto data = data_of(run(make_disk(plain_config()), { 0x03, 0, 0, 0, 252, 0 }));

    REQUIRE(data.size() == 18);
    CHECK(at(data, 0) == 0x70);
    CHECK(at(data, 2) == 0x00);
}

TEST_CASE("disk: an unsupported VPD page is answered with an invalid field")
{
    const auto answer = run(make_disk(plain_config()), { 0x12, 1, 0x89, 0, 255, 0 });

    CHECK(sense_of(answer) == invalid_field_in_cdb);
}

TEST_CASE("disk: an empty serial is refused, since it would give every disk one identity")
{
    auto config = plain_config();
    config.serial.clear();

    CHECK_FALSE(ScsiDisk::create(config).has_value());
}

TEST_CASE("disk: UNMAP ranges adding up past the maximum UNMAP LBA count are refused")
{
    const auto list = bytes({ 0, 38, 0, 32, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0, 0, /**/ 0, 0,
        0x08, 0, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0x10, 0, /**/ 0, 0, 0, 1, 0, 0, 0, 0 });

    const auto answer
        = make_disk(plain_config()).execute(parsed({ 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0 }), list, 0);

    CHECK(sense_of(answer) == invalid_field_in_parameter_list);
}
