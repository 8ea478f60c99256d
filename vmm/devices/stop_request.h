// SPDX-License-Identifier: Apache-2.0
// Why a VM stops, and the sink that devices and vCPUs report it to.
#pragma once

namespace vmm {

enum class StopReason {
    PowerOff, ///< ACPI S5: the guest shut down cleanly.
    Reset, ///< The guest asked to reboot (ACPI reset register, i8042 0xfe, triple fault).
    Crash, ///< The guest kernel reported a panic through the Hyper-V crash MSRs.
    Failure, ///< partvm could not continue running the guest.
};

class StopSink {
public:
    virtual ~StopSink() = default;
    /// Thread-safe; the first request wins.
    virtual void request_stop(StopReason reason) = 0;
};

} // namespace vmm
