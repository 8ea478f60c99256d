// SPDX-License-Identifier: Apache-2.0
// What a legacy device raises its interrupt through; the VM implements it on the in-kernel irqchip.
#pragma once

namespace vmm {

class InterruptLine {
public:
    virtual ~InterruptLine() = default;
    /// An edge: the line goes high then low (ISA interrupts are edge-triggered).
    virtual void pulse() = 0;
};

} // namespace vmm
