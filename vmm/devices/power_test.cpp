// SPDX-License-Identifier: Apache-2.0
#include "vmm/devices/power.h"
#include "vmm/layout/layout.h"

#include <doctest/doctest.h>
#include <optional>

using namespace vmm;

namespace {

struct RecordingSink final : StopSink {
    void request_stop(StopReason r) override { reason = r; }
    std::optional<StopReason> reason;
};

} // namespace

TEST_CASE("writing SLP_TYP=S5 with SLP_EN to the sleep control register powers off")
{
    RecordingSink sink;
    AcpiPowerDevice power(sink);
    const uint8_t value[] = { static_cast<uint8_t>((layout::acpi_s5_sleep_type << 2) | 0x20) };
    power.write(0, value);
    CHECK(sink.reason == StopReason::PowerOff);
}

TEST_CASE("a sleep type without SLP_EN does nothing")
{
    RecordingSink sink;
    AcpiPowerDevice power(sink);
    const uint8_t value[] = { static_cast<uint8_t>(layout::acpi_s5_sleep_type << 2) };
    power.write(0, value);
    CHECK_FALSE(sink.reason.has_value());
}

TEST_CASE("the ACPI reset register and the i8042 pulse both request a reset")
{
    RecordingSink acpi_sink;
    AcpiPowerDevice power(acpi_sink);
    const uint8_t reset[] = { layout::acpi_reset_value };
    power.write(layout::port_acpi_reset - layout::port_acpi_sleep_control, reset);
    CHECK(acpi_sink.reason == StopReason::Reset);

    RecordingSink kbd_sink;
    I8042ResetDevice i8042(kbd_sink);
    const uint8_t pulse[] = { 0xfe };
    i8042.write(0, pulse);
    CHECK(kbd_sink.reason == StopReason::Reset);
}

TEST_CASE("the i8042 status port reads 0 so Linux's reset path does not spin")
{
    RecordingSink sink;
    I8042ResetDevice i8042(sink);
    uint8_t status[1] = { 0xff };
    i8042.read(0, status);
    CHECK(status[0] == 0);
}
