// SPDX-License-Identifier: Apache-2.0
#include "vmm/devices/cmos_rtc.h"

#include <doctest/doctest.h>

using namespace vmm;

namespace {

uint8_t read_cmos(CmosRtc& rtc, uint8_t index)
{
    const uint8_t select[] = { index };
    rtc.write(0, select);
    uint8_t value[1] = {};
    rtc.read(1, value);
    return value[0];
}

constexpr std::time_t sample_time = 1796134327; // 2026-12-01 14:12:07 UTC, a Tuesday.

} // namespace

TEST_CASE("the CMOS clock reports the host time in BCD")
{
    CmosRtc rtc([] { return sample_time; });
    CHECK(read_cmos(rtc, 0x00) == 0x07);
    CHECK(read_cmos(rtc, 0x02) == 0x12);
    CHECK(read_cmos(rtc, 0x04) == 0x14);
    CHECK(read_cmos(rtc, 0x06) == 0x03);
    CHECK(read_cmos(rtc, 0x07) == 0x01);
    CHECK(read_cmos(rtc, 0x08) == 0x12);
    CHECK(read_cmos(rtc, 0x09) == 0x26);
    CHECK(read_cmos(rtc, 0x32) == 0x20);
}

TEST_CASE("the CMOS clock never reports an update in progress")
{
    CmosRtc rtc([] { return sample_time; });
    CHECK((read_cmos(rtc, 0x0a) & 0x80) == 0);
    CHECK(read_cmos(rtc, 0x0b) == 0x02); // BCD, 24-hour.
    CHECK(read_cmos(rtc, 0x0d) == 0x80);
}

TEST_CASE("the NMI-mask bit of the index port does not change the register read")
{
    CmosRtc rtc([] { return sample_time; });
    CHECK(read_cmos(rtc, 0x80 | 0x04) == 0x14);
}

TEST_CASE("CMOS NVRAM bytes read back what was written, the clock does not")
{
    CmosRtc rtc([] { return sample_time; });
    const uint8_t select_nvram[] = { 0x40 };
    const uint8_t value[] = { 0x5a };
    rtc.write(0, select_nvram);
    rtc.write(1, value);
    CHECK(read_cmos(rtc, 0x40) == 0x5a);
    const uint8_t select_seconds[] = { 0x00 };
    rtc.write(0, select_seconds);
    rtc.write(1, value);
    CHECK(read_cmos(rtc, 0x00) == 0x07);
}
