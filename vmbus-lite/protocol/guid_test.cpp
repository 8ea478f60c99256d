// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/protocol/guid.h"

#include <doctest/doctest.h>

using namespace vmbus;

TEST_CASE("GUIDs take the Microsoft byte layout: the first three groups little-endian")
{
    // The SCSI class as Linux's GUID_INIT lays it out (docs/vmbus.md#conventions).
    constexpr Guid scsi = make_guid("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f");
    constexpr Guid expected = { 0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04, 0x29, 0x4d, 0xb6, 0x05, 0x72,
        0xe2, 0xff, 0xb1, 0xdc, 0x7f };
    CHECK(scsi == expected);
}

TEST_CASE("to_string gives back the canonical text")
{
    CHECK(to_string(make_guid("0E0B6031-5213-4934-818B-38D90CED39DB"))
        == "0e0b6031-5213-4934-818b-38d90ced39db");
}
