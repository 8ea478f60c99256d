// SPDX-License-Identifier: Apache-2.0
// How the way a guest stopped becomes `partvm boot`'s exit status.
#pragma once
#include "vmm/cli/exit_status.h"
#include "vmm/devices/stop_sink.h"

namespace vmm {

constexpr int exit_for_stop(StopReason reason)
{
    switch (reason) {
    case StopReason::PowerOff:
    case StopReason::Reset:
        return exit_ok;
    case StopReason::Crash:
        return exit_guest_crash;
    case StopReason::Failure:
        break;
    }
    return exit_vm_failure;
}

} // namespace vmm
