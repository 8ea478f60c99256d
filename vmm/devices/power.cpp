// SPDX-License-Identifier: Apache-2.0
#include "vmm/devices/power.h"
#include "vmm/layout/layout.h"

#include <algorithm>

namespace vmm {

namespace {

constexpr uint16_t sleep_control_offset = 0;
constexpr uint16_t reset_offset = layout::port_acpi_reset - layout::port_acpi_sleep_control;
static_assert(
    reset_offset < AcpiPowerDevice::port_count, "RESET_REG must lie in the device's ports");
// ACPI 6.x §4.8.3.7: SLEEP_CONTROL_REG holds SLP_TYPx in bits 2-4 and SLP_EN in bit 5.
constexpr uint8_t sleep_enable = 1u << 5;
constexpr uint8_t i8042_pulse_reset = 0xfe;

} // namespace

void AcpiPowerDevice::read(uint16_t, std::span<uint8_t> data)
{
    // SLEEP_STATUS_REG: WAK_STS never set, since nothing wakes a powered-off partvm guest.
    std::fill(data.begin(), data.end(), 0);
}

void AcpiPowerDevice::write(uint16_t offset, std::span<const uint8_t> data)
{
    if (data.size() != 1) {
        return;
    }
    const uint8_t value = data[0];
    if (offset == sleep_control_offset && (value & sleep_enable)
        && ((value >> 2) & 0x7) == layout::acpi_s5_sleep_type) {
        m_sink.request_stop(StopReason::PowerOff);
    } else if (offset == reset_offset && value == layout::acpi_reset_value) {
        m_sink.request_stop(StopReason::Reset);
    }
}

void I8042ResetDevice::read(uint16_t, std::span<uint8_t> data)
{
    std::fill(data.begin(), data.end(), 0);
}

void I8042ResetDevice::write(uint16_t, std::span<const uint8_t> data)
{
    if (data.size() == 1 && data[0] == i8042_pulse_reset) {
        m_sink.request_stop(StopReason::Reset);
    }
}

} // namespace vmm
