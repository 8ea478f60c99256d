// SPDX-License-Identifier: Apache-2.0
// UNMAP parameter lists as Linux's sd_setup_unmap_cmnd builds them (one descriptor, 24 bytes),
// and hostile ones whose lengths disagree with the bytes sent.
#include "vmbus-lite/scsi/unmap.h"

#include "vmbus-lite/scsi/scsi_test_support.h"

using namespace vmbus::scsi;
using namespace vmbus::scsi::testing;

TEST_CASE("unmap: Linux's one-descriptor list gives its range")
{
    const auto list = bytes(
        { 0, 22, 0, 16, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0x10, 0, /**/ 0, 0, 0, 8, 0, 0, 0, 0 });

    const auto ranges = parse_unmap_parameters(list, 24, 256);

    REQUIRE(ranges.has_value());
    REQUIRE(ranges->size() == 1);
    CHECK(ranges->at(0) == BlockRange { 0x1000, 8 });
}

TEST_CASE("unmap: a parameter list length of 0 unmaps nothing")
{
    const auto ranges = parse_unmap_parameters({}, 0, 256);

    REQUIRE(ranges.has_value());
    CHECK(ranges->empty());
}

TEST_CASE("unmap: a list shorter than its header is refused")
{
    const auto list = bytes({ 0, 6, 0, 0 });

    CHECK(parse_unmap_parameters(list, 4, 256).error() == invalid_field_in_parameter_list);
}

TEST_CASE("unmap: a descriptor length running past the bytes sent is refused")
{
    const auto list = bytes({ 0, 22, 0, 16, 0, 0, 0, 0 });

    CHECK(parse_unmap_parameters(list, 24, 256).error() == invalid_field_in_parameter_list);
}

TEST_CASE("unmap: the CDB's parameter list length bounds the list even when more was sent")
{
    const auto list = bytes(
        { 0, 22, 0, 16, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0, 1, /**/ 0, 0, 0, 1, 0, 0, 0, 0 });

    CHECK(parse_unmap_parameters(list, 16, 256).error() == invalid_field_in_parameter_list);
}

TEST_CASE("unmap: a descriptor length larger than the data length is refused")
{
    const auto list = bytes(
        { 0, 6, 0, 16, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0, 1, /**/ 0, 0, 0, 1, 0, 0, 0, 0 });

    CHECK(parse_unmap_parameters(list, 24, 256).error() == invalid_field_in_parameter_list);
}

TEST_CASE("unmap: more descriptors than the advertised maximum are refused")
{
    const auto list = bytes({ 0, 38, 0, 32, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0, 1, /**/ 0, 0, 0,
        1, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0, 2, /**/ 0, 0, 0, 1, 0, 0, 0, 0 });

    CHECK(parse_unmap_parameters(list, 40, 1).error() == invalid_field_in_parameter_list);
}

TEST_CASE("unmap: descriptors of 0 blocks and a trailing partial descriptor are dropped")
{
    const auto list = bytes({ 0, 34, 0, 28, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0, 5, /**/ 0, 0, 0,
        0, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0, 9, /**/ 0, 0, 0, 1 });

    const auto ranges = parse_unmap_parameters(list, 36, 256);

    REQUIRE(ranges.has_value());
    CHECK(ranges->empty());
}
