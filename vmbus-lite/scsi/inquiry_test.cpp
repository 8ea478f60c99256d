// SPDX-License-Identifier: Apache-2.0
// INQUIRY data against the fields Linux 6.1 reads: scsi_scan.c (standard data), scsi.c
// (scsi_get_vpd_page: header and page length) and sd.c (pages 0xB0, 0xB1, 0xB2).
#include "vmbus-lite/scsi/inquiry.h"

#include "vmbus-lite/scsi/scsi_test_support.h"

using namespace vmbus::scsi;
using namespace vmbus::scsi::testing;

namespace {
std::vector<std::byte> page(const DiskConfig& config, uint8_t code)
{
    auto data = vpd_page(config, code);
    REQUIRE(data.has_value());
    return std::move(data).value();
}
} // namespace

TEST_CASE("inquiry: standard data is a present disk, SPC-3, format 2, with tagged queueing")
{
    const auto data = standard_inquiry();

    REQUIRE(data.size() == 36);
    CHECK(at(data, 0) == 0x00);
    CHECK(at(data, 1) == 0x00);
    CHECK(at(data, 2) == 0x05);
    CHECK(at(data, 3) == 0x02);
    CHECK(at(data, 4) == 31);
    CHECK(at(data, 7) == 0x02);
}

TEST_CASE("inquiry: standard data names the Hyper-V virtual disk storvsc expects")
{
    const auto data = standard_inquiry();

    CHECK(std::string(reinterpret_cast<const char*>(data.data()) + 8, 8) == "Msft    ");
    CHECK(std::string(reinterpret_cast<const char*>(data.data()) + 16, 16) == "Virtual Disk    ");
}

TEST_CASE("inquiry: page 0x00 lists the pages served, with 0xB2 only for a discarding disk")
{
    auto config = plain_config();
    config.discard = false;

    const auto without = page(config, 0x00);
    const auto with = page(plain_config(), 0x00);

    CHECK(without == bytes({ 0, 0x00, 0, 5, 0x00, 0x80, 0x83, 0xb0, 0xb1 }));
    CHECK(with == bytes({ 0, 0x00, 0, 6, 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 }));
}

TEST_CASE("inquiry: page 0x80 carries the serial and its length")
{
    const auto data = page(plain_config(), 0x80);

    CHECK(data == bytes({ 0, 0x80, 0, 6, 'd', 'i', 's', 'k', '-', '7' }));
}

TEST_CASE("inquiry: page 0x83 holds one T10 vendor id designator of vendor and serial")
{
    const auto data = page(plain_config(), 0x83);

    REQUIRE(data.size() == 4 + 4 + 8 + 6);
    CHECK(be(data, 2, 2) == 18);
    CHECK(at(data, 4) == 0x02);
    CHECK(at(data, 5) == 0x01);
    CHECK(at(data, 7) == 14);
    CHECK(std::string(reinterpret_cast<const char*>(data.data()) + 8, 14) == "Msft    disk-7");
}

TEST_CASE("inquiry: page 0xB0 is 64 bytes with transfer and UNMAP limits in blocks")
{
    const auto data = page(plain_config(), 0xb0);

    REQUIRE(data.size() == 64);
    CHECK(be(data, 2, 2) == 0x3c);
    CHECK(at(data, 4) == 0x01);
    CHECK(be(data, 8, 4) == 2048);
    CHECK(be(data, 12, 4) == 2048);
    CHECK(be(data, 20, 4) == 2048);
    CHECK(be(data, 24, 4) == 256);
    CHECK(be(data, 36, 8) == 2048);
}

TEST_CASE("inquiry: page 0xB0 of a disk without discard advertises no UNMAP limits")
{
    auto config = plain_config();
    config.discard = false;

    const auto data = page(config, 0xb0);

    CHECK(be(data, 20, 4) == 0);
    CHECK(be(data, 24, 4) == 0);
}

TEST_CASE("inquiry: page 0xB1 reports a non-rotating medium")
{
    const auto data = page(plain_config(), 0xb1);

    REQUIRE(data.size() == 64);
    CHECK(be(data, 2, 2) == 0x3c);
    CHECK(be(data, 4, 2) == 1);
}

TEST_CASE("inquiry: page 0xB2 offers UNMAP and WRITE SAME(16) on thin provisioning")
{
    const auto data = page(plain_config(), 0xb2);

    CHECK(data == bytes({ 0, 0xb2, 0, 4, 0, 0xc0, 0x02, 0 }));
}

TEST_CASE("inquiry: page 0xB2 of a disk without discard is an invalid field")
{
    auto config = plain_config();
    config.discard = false;

    CHECK(vpd_page(config, 0xb2).error() == invalid_field_in_cdb);
}

TEST_CASE("inquiry: a page not served is an invalid field")
{
    CHECK(vpd_page(plain_config(), 0x89).error() == invalid_field_in_cdb);
}
