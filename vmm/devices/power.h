// SPDX-License-Identifier: Apache-2.0
// The power registers of partvm's hardware-reduced ACPI platform and the i8042 reset line:
// SLEEP_CONTROL_REG (S5 = power off), SLEEP_STATUS_REG, RESET_REG, and port 0x64.
#pragma once
#include "vmm/devices/bus.h"
#include "vmm/devices/stop_sink.h"

namespace vmm {

/// Ports layout::port_acpi_sleep_control .. port_acpi_reset.
class AcpiPowerDevice final : public BusDevice {
public:
    static constexpr uint16_t port_count = 3; ///< SLEEP_CONTROL_REG, SLEEP_STATUS_REG, RESET_REG.

    explicit AcpiPowerDevice(StopSink& sink)
        : m_sink(sink)
    {
    }
    void read(uint16_t offset, std::span<uint8_t> data) override;
    void write(uint16_t offset, std::span<const uint8_t> data) override;

private:
    StopSink& m_sink;
};

/// Port 0x64 only. Linux's reboot fallback polls it for "input buffer empty" and then writes 0xfe
/// (pulse reset); answering 0 keeps that path from spinning for seconds.
class I8042ResetDevice final : public BusDevice {
public:
    static constexpr uint16_t port_count = 1;

    explicit I8042ResetDevice(StopSink& sink)
        : m_sink(sink)
    {
    }
    void read(uint16_t offset, std::span<uint8_t> data) override;
    void write(uint16_t offset, std::span<const uint8_t> data) override;

private:
    StopSink& m_sink;
};

} // namespace vmm
