// SPDX-License-Identifier: Apache-2.0
#include "vmm/devices/serial_8250.h"

#include <unistd.h>

namespace vmm {

namespace {

// Register offsets from the base port.
constexpr uint16_t reg_data = 0; // RBR/THR, or DLL with DLAB set.
constexpr uint16_t reg_ier = 1; // IER, or DLM with DLAB set.
constexpr uint16_t reg_iir_fcr = 2; // IIR on read, FCR on write.
constexpr uint16_t reg_lcr = 3;
constexpr uint16_t reg_mcr = 4;
constexpr uint16_t reg_lsr = 5;
constexpr uint16_t reg_msr = 6;
constexpr uint16_t reg_scr = 7;

constexpr uint8_t ier_thri = 0x02; // Transmit-holding-register-empty interrupt enable.
constexpr uint8_t iir_no_interrupt = 0x01;
constexpr uint8_t iir_thri = 0x02;
constexpr uint8_t iir_fifos_enabled = 0xc0;
constexpr uint8_t fcr_enable_fifo = 0x01;
constexpr uint8_t lsr_thr_empty = 0x20;
constexpr uint8_t lsr_transmitter_empty = 0x40;
constexpr uint8_t mcr_loop = 0x10;
constexpr size_t max_pending = 4096;

} // namespace

void Serial8250::read(uint16_t offset, std::span<uint8_t> data)
{
    if (data.size() != 1) {
        return; // The UART has byte-wide registers only.
    }
    data[0] = read_register(offset);
}

void Serial8250::write(uint16_t offset, std::span<const uint8_t> data)
{
    if (data.size() == 1) {
        write_register(offset, data[0]);
    }
}

uint8_t Serial8250::read_register(uint16_t offset)
{
    switch (offset) {
    case reg_data:
        return dlab() ? m_dll : 0; // Nothing is ever received.
    case reg_ier:
        return dlab() ? m_dlm : m_ier;
    case reg_iir_fcr: {
        const uint8_t fifo_bits = (m_fcr & fcr_enable_fifo) ? iir_fifos_enabled : 0;
        if (m_thre_pending && (m_ier & ier_thri)) {
            m_thre_pending = false; // Reading IIR acknowledges the THRE interrupt.
            return fifo_bits | iir_thri;
        }
        return fifo_bits | iir_no_interrupt;
    }
    case reg_lcr:
        return m_lcr;
    case reg_mcr:
        return m_mcr;
    case reg_lsr:
        // Transmission is instantaneous, so the holding register is always empty.
        return lsr_thr_empty | lsr_transmitter_empty;
    case reg_msr:
        if (m_mcr & mcr_loop) {
            // Loopback wires RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD; Linux probes exactly this.
            return static_cast<uint8_t>(((m_mcr & 0x02) << 3) | ((m_mcr & 0x01) << 5)
                | ((m_mcr & 0x04) << 4) | ((m_mcr & 0x08) << 4));
        }
        return 0xb0; // DCD, DSR and CTS asserted: a terminal is always attached.
    case reg_scr:
        return m_scr;
    default:
        return 0xff;
    }
}

void Serial8250::write_register(uint16_t offset, uint8_t value)
{
    switch (offset) {
    case reg_data:
        if (dlab()) {
            m_dll = value;
        } else if (!(m_mcr & mcr_loop)) {
            transmit(value);
        }
        break;
    case reg_ier:
        if (dlab()) {
            m_dlm = value;
        } else {
            const bool enabling_thri = !(m_ier & ier_thri) && (value & ier_thri);
            m_ier = value & 0x0f;
            if (enabling_thri) {
                raise_transmit_interrupt(); // THR is already empty.
            }
        }
        break;
    case reg_iir_fcr:
        m_fcr = value;
        break;
    case reg_lcr:
        m_lcr = value;
        break;
    case reg_mcr:
        m_mcr = value & 0x1f;
        break;
    case reg_scr:
        m_scr = value;
        break;
    default:
        break; // LSR and MSR are read-only.
    }
}

void Serial8250::transmit(uint8_t byte)
{
    m_pending.push_back(static_cast<char>(byte));
    if (byte == '\n' || m_pending.size() >= max_pending) {
        flush();
    }
    raise_transmit_interrupt();
}

void Serial8250::raise_transmit_interrupt()
{
    m_thre_pending = true;
    if (m_ier & ier_thri) {
        m_irq.pulse();
    }
}

void Serial8250::flush()
{
    size_t done = 0;
    while (done < m_pending.size()) {
        ssize_t n = ::write(m_output_fd, m_pending.data() + done, m_pending.size() - done);
        if (n <= 0) {
            break; // The reader went away; the guest's log is not worth stopping for.
        }
        done += static_cast<size_t>(n);
    }
    m_pending.clear();
}

} // namespace vmm
