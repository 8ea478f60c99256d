// SPDX-License-Identifier: Apache-2.0
// A minimal MC146818 CMOS clock at ports 0x70/0x71. Linux reads its wall clock here even on
// Hyper-V; with nothing answering it spins about a second on "update in progress" and starts in
// 1970 (arch/x86/kernel/rtc.c: mach_get_cmos_time). Time registers report the host's UTC time in
// BCD, 24-hour.
#pragma once
#include "vmm/devices/bus.h"

#include <array>
#include <ctime>
#include <functional>

namespace vmm {

class CmosRtc final : public BusDevice {
public:
    static constexpr uint16_t port_count = 2; ///< Index, then data.

    /// `now` supplies the current time (seconds since the epoch); injectable for tests.
    explicit CmosRtc(std::function<std::time_t()> now = [] { return std::time(nullptr); })
        : m_now(std::move(now))
    {
    }
    void read(uint16_t offset, std::span<uint8_t> data) override;
    void write(uint16_t offset, std::span<const uint8_t> data) override;

private:
    uint8_t read_register(uint8_t index) const;

    std::function<std::time_t()> m_now;
    uint8_t m_index { 0 };
    std::array<uint8_t, 128> m_nvram {}; // Registers Linux may write (alarms, NVRAM bytes).
};

} // namespace vmm
