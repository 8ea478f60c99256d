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

/// For messages: "the guest powered off", ...
constexpr const char* describe(StopReason reason)
{
    switch (reason) {
    case StopReason::PowerOff:
        return "the guest powered off";
    case StopReason::Reset:
        return "the guest rebooted";
    case StopReason::Crash:
        return "the guest kernel panicked";
    case StopReason::Failure:
        break;
    }
    return "the VM failed";
}

class StopSink {
public:
    virtual ~StopSink() = default;
    /// Thread-safe; the first request wins.
    virtual void request_stop(StopReason reason) = 0;
};

} // namespace vmm
