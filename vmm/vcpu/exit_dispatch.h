// SPDX-License-Identifier: Apache-2.0
// What a vCPU does with each KVM exit, as a free function over the kvm_run structure: port I/O to
// the legacy bus, Hyper-V exits to the SynIC glue, and every reason to stop to the VM's StopSink.
// Kept apart from the run loop so it can be tested on a plain kvm_run without KVM.
#pragma once
#include "vmm/devices/bus.h"
#include "vmm/devices/stop_sink.h"

#include <cstdint>

struct kvm_run;

namespace vmm {

class GuestMemory;

namespace hyperv {
class HypercallHandler;
class SynicPorts;
} // namespace hyperv

/// Where one vCPU's exits go. Everything referred to must outlive the vCPU thread.
struct ExitTargets {
    uint32_t vp_index; ///< The KVM vCPU id, which is also the Hyper-V VP index; names it in logs.
    IoBus& bus;
    StopSink& stop;
    const GuestMemory& memory; ///< Where hypercalls read their input pages.
    /// May be null (no VMBus host): SynIC MSR writes are then only logged and the guest's
    /// hypercalls are refused.
    hyperv::SynicPorts* ports { nullptr };
    hyperv::HypercallHandler* handler { nullptr };
};

/// What the run loop does after dispatch_exit().
enum class ExitAction {
    Continue, ///< Enter KVM_RUN again.
    Stop, ///< End the vCPU thread: a stop reason has been sent to `targets.stop`.
};

/// Handles the exit KVM described in `run` (on the vCPU's own thread, before its next KVM_RUN).
/// Port reads and MMIO reads leave their answer in `run`, where KVM picks it up on re-entry.
/// Exits that end the guest (shutdown, system events, failed entry, internal errors, anything
/// unexpected) request the matching StopReason and return Stop.
ExitAction dispatch_exit(kvm_run& run, const ExitTargets& targets);

} // namespace vmm
