// SPDX-License-Identifier: Apache-2.0
// Fixed-format sense bytes as Linux's scsi_normalize_sense reads them (response code, key at byte
// 2, additional length at byte 7, ASC/ASCQ at bytes 12/13).
#include "vmbus-lite/scsi/sense.h"

#include <doctest/doctest.h>

using namespace vmbus::scsi;

namespace {
int at(const std::array<std::byte, fixed_sense_size>& sense, size_t index)
{
    return static_cast<int>(sense[index]);
}

/// The key, ASC and ASCQ bytes of `sense` once encoded, for comparing with the standard's table.
std::array<int, 3> key_asc_ascq(Sense sense)
{
    const auto bytes = encode_fixed_sense(sense);
    return { at(bytes, 2), at(bytes, 12), at(bytes, 13) };
}
} // namespace

TEST_CASE("sense: fixed format is 18 bytes with response code 0x70 and additional length 10")
{
    const auto sense = encode_fixed_sense(invalid_field_in_cdb);

    CHECK(at(sense, 0) == 0x70);
    CHECK(at(sense, 7) == 10);
    CHECK(at(sense, 1) == 0);
    CHECK(at(sense, 17) == 0);
}

TEST_CASE("sense: each error encodes the key, ASC and ASCQ SPC-4 assigns it")
{
    CHECK(key_asc_ascq(invalid_opcode) == std::array { 0x05, 0x20, 0x00 });
    CHECK(key_asc_ascq(lba_out_of_range) == std::array { 0x05, 0x21, 0x00 });
    CHECK(key_asc_ascq(invalid_field_in_cdb) == std::array { 0x05, 0x24, 0x00 });
    CHECK(key_asc_ascq(invalid_field_in_parameter_list) == std::array { 0x05, 0x26, 0x00 });
    CHECK(key_asc_ascq(write_protected) == std::array { 0x07, 0x27, 0x00 });
    CHECK(key_asc_ascq(medium_error) == std::array { 0x03, 0x00, 0x00 });
    CHECK(key_asc_ascq(no_sense) == std::array { 0x00, 0x00, 0x00 });
}
