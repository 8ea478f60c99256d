// SPDX-License-Identifier: Apache-2.0
// An output-only 16550A UART on COM1 for the guest kernel's log (off by default: every byte is a
// port exit). Enough of the register model for Linux's 8250 driver to detect a 16550A and to drive
// its transmit interrupt; received data is never offered.
#pragma once
#include "vmm/devices/bus.h"
#include "vmm/devices/interrupt_line.h"

#include <string>

namespace vmm {

class Serial8250 final : public BusDevice {
public:
    static constexpr uint16_t port_count = 8; ///< The 16550's register file.

    /// Bytes the guest transmits go to `output_fd` (not owned), a line at a time.
    Serial8250(int output_fd, InterruptLine& irq)
        : m_output_fd(output_fd)
        , m_irq(irq)
    {
    }
    ~Serial8250() override { flush(); }

    void read(uint16_t offset, std::span<uint8_t> data) override;
    void write(uint16_t offset, std::span<const uint8_t> data) override;
    /// Writes out a partial line; called when the VM stops.
    void flush();

private:
    uint8_t read_register(uint16_t offset);
    void write_register(uint16_t offset, uint8_t value);
    void transmit(uint8_t byte);
    void raise_transmit_interrupt();
    bool dlab() const { return m_lcr & 0x80; }

    int m_output_fd;
    InterruptLine& m_irq;
    std::string m_pending; // Output not yet written: one write() per line, not per byte.
    uint8_t m_ier { 0 };
    uint8_t m_lcr { 0 };
    uint8_t m_mcr { 0 };
    uint8_t m_scr { 0 };
    uint8_t m_fcr { 0 };
    uint8_t m_dll { 0x0c }; // 9600 baud: the divisor firmware would leave behind.
    uint8_t m_dlm { 0 };
    bool m_thre_pending { false };
};

} // namespace vmm
