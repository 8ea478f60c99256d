// SPDX-License-Identifier: Apache-2.0
// MODE SENSE data against what Linux 6.1's sd reads: the header's WP and DPOFUA bits
// (sd_read_write_protect_flag, sd_read_cache_type) and the caching page's WCE bit.
#include "vmbus-lite/scsi/mode_sense.h"

#include "vmbus-lite/scsi/scsi_test_support.h"

using namespace vmbus::scsi;
using namespace vmbus::scsi::testing;

namespace {
std::vector<std::byte> sense_data(const DiskConfig& config, const ModeSense& command)
{
    auto data = mode_sense_data(config, command);
    REQUIRE(data.has_value());
    return std::move(data).value();
}
} // namespace

TEST_CASE("mode sense: (6) of all pages has a header, a block descriptor and the caching page")
{
    const auto data = sense_data(plain_config(), { .page = 0x3f, .allocation_length = 255 });

    REQUIRE(data.size() == 4 + 8 + 20);
    CHECK(at(data, 0) == 31);
    CHECK(at(data, 2) == 0x10);
    CHECK(at(data, 3) == 8);
    CHECK(be(data, 5, 3) == 2 * 1024 * 1024);
    CHECK(be(data, 9, 3) == 512);
    CHECK(at(data, 12) == 0x08);
    CHECK(at(data, 13) == 0x12);
    CHECK(at(data, 14) == 0x04);
}

TEST_CASE("mode sense: DBD leaves the block descriptor out")
{
    const auto data = sense_data(plain_config(),
        { .disable_block_descriptors = true, .page = 0x08, .allocation_length = 255 });

    REQUIRE(data.size() == 4 + 20);
    CHECK(at(data, 0) == 23);
    CHECK(at(data, 3) == 0);
    CHECK(at(data, 4) == 0x08);
    CHECK(at(data, 6) == 0x04);
}

TEST_CASE("mode sense: (10) has an 8-byte header with 16-bit lengths")
{
    const auto data = sense_data(plain_config(), { .ten = true, .page = 0x08 });

    REQUIRE(data.size() == 8 + 8 + 20);
    CHECK(be(data, 0, 2) == 34);
    CHECK(at(data, 3) == 0x10);
    CHECK(be(data, 6, 2) == 8);
    CHECK(at(data, 18) == 0x04);
}

TEST_CASE("mode sense: a read-only disk sets write protect")
{
    auto config = plain_config();
    config.read_only = true;

    const auto data = sense_data(config, { .page = 0x3f });

    CHECK(at(data, 2) == 0x90);
}

TEST_CASE("mode sense: the changeable values show nothing changeable")
{
    const auto data = sense_data(
        plain_config(), { .disable_block_descriptors = true, .page_control = 1, .page = 0x08 });

    CHECK(at(data, 4) == 0x08);
    CHECK(at(data, 6) == 0x00);
}

TEST_CASE("mode sense: all pages with all subpages is served")
{
    CHECK(mode_sense_data(plain_config(), { .page = 0x3f, .subpage = 0xff }).has_value());
}

TEST_CASE("mode sense: saved values, other pages and other subpages are invalid fields")
{
    const auto saved = mode_sense_data(plain_config(), { .page_control = 3, .page = 0x08 });
    const auto control_page = mode_sense_data(plain_config(), { .page = 0x0a });
    const auto subpage = mode_sense_data(plain_config(), { .page = 0x08, .subpage = 1 });

    CHECK(saved.error() == invalid_field_in_cdb);
    CHECK(control_page.error() == invalid_field_in_cdb);
    CHECK(subpage.error() == invalid_field_in_cdb);
}
