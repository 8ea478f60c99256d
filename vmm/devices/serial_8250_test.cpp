// SPDX-License-Identifier: Apache-2.0
#include "base/unique_fd.h"
#include "vmm/devices/serial_8250.h"

#include <doctest/doctest.h>
#include <string>
#include <unistd.h>

using namespace vmm;

namespace {

struct CountingLine final : InterruptLine {
    void pulse() override { ++pulses; }
    int pulses { 0 };
};

struct SerialFixture {
    SerialFixture()
    {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        reader.reset(fds[0]);
        writer.reset(fds[1]);
    }
    void out(uint16_t offset, uint8_t value)
    {
        const uint8_t data[] = { value };
        serial.write(offset, data);
    }
    uint8_t in(uint16_t offset)
    {
        uint8_t data[1] = {};
        serial.read(offset, data);
        return data[0];
    }
    std::string drain()
    {
        char buffer[256];
        ssize_t n = ::read(reader.get(), buffer, sizeof(buffer));
        return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
    }
    UniqueFd reader;
    UniqueFd writer;
    CountingLine irq;
    Serial8250 serial { -1, irq };
};

} // namespace

TEST_CASE("the UART passes Linux's loopback probe")
{
    SerialFixture f;
    f.out(4, 0x1a); // MCR: loopback, RTS, OUT2.
    CHECK((f.in(6) & 0xf0) == 0x90);
}

TEST_CASE("the UART reports a 16550A FIFO once enabled")
{
    SerialFixture f;
    f.out(2, 0xe7);
    CHECK((f.in(2) >> 6) == 3);
}

TEST_CASE("the UART writes a line out at the newline")
{
    SerialFixture f;
    Serial8250 serial(f.writer.get(), f.irq);
    for (char c : std::string("hi\n")) {
        const uint8_t data[] = { static_cast<uint8_t>(c) };
        serial.write(0, data);
    }
    CHECK(f.drain() == "hi\n");
}

TEST_CASE("enabling the transmit interrupt raises it at once and IIR acknowledges it")
{
    SerialFixture f;
    f.out(1, 0x02);
    CHECK(f.irq.pulses == 1);
    CHECK((f.in(2) & 0x0f) == 0x02);
    CHECK((f.in(2) & 0x0f) == 0x01); // Acknowledged by the first read.
}

TEST_CASE("the divisor latch hides IER and THR while DLAB is set")
{
    SerialFixture f;
    f.out(3, 0x80);
    f.out(0, 0x01);
    f.out(1, 0x00);
    CHECK(f.in(0) == 0x01);
    f.out(3, 0x03);
    CHECK(f.in(1) == 0x00);
    CHECK(f.irq.pulses == 0);
}
