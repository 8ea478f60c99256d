// SPDX-License-Identifier: Apache-2.0
#include "vmm/devices/cmos_rtc.h"

#include <chrono>

#include <algorithm>

namespace vmm {

namespace {

constexpr uint8_t reg_seconds = 0x00;
constexpr uint8_t reg_minutes = 0x02;
constexpr uint8_t reg_hours = 0x04;
constexpr uint8_t reg_weekday = 0x06;
constexpr uint8_t reg_day = 0x07;
constexpr uint8_t reg_month = 0x08;
constexpr uint8_t reg_year = 0x09;
constexpr uint8_t reg_a = 0x0a;
constexpr uint8_t reg_b = 0x0b;
constexpr uint8_t reg_c = 0x0c;
constexpr uint8_t reg_d = 0x0d;
constexpr uint8_t reg_century = 0x32;

constexpr uint8_t reg_a_value = 0x26; // 32.768 kHz divider, 1024 Hz rate, UIP (bit 7) clear.
constexpr uint8_t reg_b_value = 0x02; // 24-hour mode, BCD, no interrupts enabled.
constexpr uint8_t reg_d_value = 0x80; // VRT: the clock's battery is fine.

uint8_t to_bcd(int value)
{
    return static_cast<uint8_t>(((value / 10) << 4) | (value % 10));
}

} // namespace

uint8_t CmosRtc::read_register(uint8_t index) const
{
    // Calendar arithmetic rather than gmtime_r, whose first call makes glibc read /etc/localtime:
    // a file the vCPU thread may not open (seccomp) and that the jail does not have.
    using namespace std::chrono;
    const sys_seconds now { seconds(m_now()) };
    const sys_days today = floor<days>(now);
    const year_month_day date { today };
    const hh_mm_ss time { now - today };
    const int year = int(date.year());
    switch (index) {
    case reg_seconds:
        return to_bcd(int(time.seconds().count()));
    case reg_minutes:
        return to_bcd(int(time.minutes().count()));
    case reg_hours:
        return to_bcd(int(time.hours().count()));
    case reg_weekday:
        return to_bcd(int(weekday(today).c_encoding()) + 1);
    case reg_day:
        return to_bcd(int(unsigned(date.day())));
    case reg_month:
        return to_bcd(int(unsigned(date.month())));
    case reg_year:
        return to_bcd(year % 100);
    case reg_century:
        return to_bcd(year / 100);
    case reg_a:
        return reg_a_value;
    case reg_b:
        return reg_b_value;
    case reg_c:
        return 0; // No interrupt flags: partvm raises no RTC interrupts.
    case reg_d:
        return reg_d_value;
    default:
        return m_nvram[index];
    }
}

void CmosRtc::read(uint16_t offset, std::span<uint8_t> data)
{
    const uint8_t value = offset == 1 ? read_register(m_index) : 0xff;
    std::fill(data.begin(), data.end(), value);
}

void CmosRtc::write(uint16_t offset, std::span<const uint8_t> data)
{
    if (data.empty()) {
        return;
    }
    if (offset == 0) {
        m_index = data[0] & 0x7f; // Bit 7 masks NMIs on real hardware; there is no NMI source here.
        return;
    }
    // The clock itself is read-only; keep other writes so NVRAM reads back what was written.
    if (m_index > reg_d) {
        m_nvram[m_index] = data[0];
    }
}

} // namespace vmm
