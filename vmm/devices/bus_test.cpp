// SPDX-License-Identifier: Apache-2.0
#include "vmm/devices/bus.h"

#include <doctest/doctest.h>

using namespace vmm;

namespace {

struct EchoDevice final : BusDevice {
    void read(uint16_t offset, std::span<uint8_t> data) override
    {
        data[0] = uint8_t(offset + last);
    }
    void write(uint16_t, std::span<const uint8_t> data) override { last = data[0]; }
    uint8_t last { 0 };
};

} // namespace

TEST_CASE("the bus routes a port to its device with the offset from the base")
{
    IoBus bus;
    auto device = std::make_shared<EchoDevice>();
    REQUIRE(bus.insert(0x70, 2, device));
    const uint8_t value[] = { 0x10 };
    bus.write(0x70, value);
    uint8_t out[1] = {};
    bus.read(0x71, out);
    CHECK(out[0] == 0x11);
}

TEST_CASE("unclaimed ports read as all-ones")
{
    IoBus bus;
    uint8_t out[4] = {};
    bus.read(0xcf8, out);
    CHECK(out[0] == 0xff);
    CHECK(out[3] == 0xff);
}

TEST_CASE("overlapping port ranges are refused")
{
    IoBus bus;
    REQUIRE(bus.insert(0x3f8, 8, std::make_shared<EchoDevice>()));
    CHECK_FALSE(bus.insert(0x3ff, 1, std::make_shared<EchoDevice>()));
    CHECK(bus.insert(0x400, 1, std::make_shared<EchoDevice>()));
}
