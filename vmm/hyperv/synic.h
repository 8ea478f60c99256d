// SPDX-License-Identifier: Apache-2.0
// Per-vCPU SynIC enablement and the KVM_EXIT_HYPERV exits (docs/vmbus.md#kvm-set-up,
// docs/vmbus.md#synic-messages).
#pragma once
#include "base/result.h"
#include "vmm/hyperv/hv_status.h"

#include <cstdint>

struct kvm_run;

namespace vmm {
class GuestMemory;
class VcpuFd;
} // namespace vmm

namespace vmm::hyperv {

class HypercallHandler;
class SynicPorts;

/// Turns on SynIC (KVM_CAP_HYPERV_SYNIC2) for one vCPU, before it first runs.
Result<void> enable_synic(VcpuFd& vcpu);

/// Handles one KVM_EXIT_HYPERV of the vCPU whose VP index is `vp_index`: SynIC MSR writes go to
/// `ports` (when there is one); hypercalls are answered in run.hyperv.u.hcall.result, which KVM
/// hands to the guest on the next KVM_RUN. With null `ports` and `handler` the guest finds no
/// VMBus host.
void handle_hyperv_exit(kvm_run& run, uint32_t vp_index, const GuestMemory& memory,
    SynicPorts* ports, HypercallHandler* handler);

} // namespace vmm::hyperv
