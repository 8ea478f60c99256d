// SPDX-License-Identifier: Apache-2.0
// Why a VM stops, and the sink devices and vCPUs report it to.
#pragma once

namespace vmm {

enum class StopReason {
    PowerOff, ///< ACPI S5: the guest shut down cleanly.
    Reset,    ///< The guest asked to reboot (ACPI reset register, i8042 0xfe, triple fault).
    Crash,    ///< The guest kernel reported a panic through the Hyper-V crash MSRs.
    Failure,  ///< partvm could not continue running the guest.
};

class StopSink {
public:
    virtual ~StopSink() = default;
    /// Thread-safe; the first request wins.
    virtual void request_stop(StopReason reason) = 0;
};

/// Drives one interrupt line of the in-kernel irqchip.
class InterruptLine {
public:
    virtual ~InterruptLine() = default;
    /// An edge: the line goes high then low (ISA interrupts are edge-triggered).
    virtual void pulse() = 0;
};

} // namespace vmm
