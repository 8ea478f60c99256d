// SPDX-License-Identifier: Apache-2.0
// Per-vCPU SynIC enablement and the KVM_EXIT_HYPERV exits (vmbus-host-reference §1.5, §3).
#pragma once
#include "vmm/base/result.h"

#include <cstdint>

struct kvm_run;

namespace vmm {
class VcpuFd;
}

namespace vmm::hyperv {

// Hypercall status codes (TLFS).
constexpr uint16_t HV_STATUS_SUCCESS = 0;
constexpr uint16_t HV_STATUS_INVALID_HYPERCALL_CODE = 2;
constexpr uint16_t HV_STATUS_INVALID_CONNECTION_ID = 18;

constexpr uint16_t HVCALL_POST_MESSAGE = 0x005c;
constexpr uint16_t HVCALL_SIGNAL_EVENT = 0x005d;

/// Turns on SynIC (KVM_CAP_HYPERV_SYNIC2) for one vCPU, before it first runs.
Result<void> enable_synic(VcpuFd& vcpu);

/// What the guest last programmed into this vCPU's SynIC (from KVM_EXIT_HYPERV_SYNIC).
struct SynicState {
    uint64_t control { 0 };
    uint64_t message_page { 0 };
    uint64_t event_flags_page { 0 };
};

/// Handles one KVM_EXIT_HYPERV: records SynIC changes in `state` and answers hypercalls KVM
/// passes up. Nothing is connected yet, so message posts and event signals are refused with
/// INVALID_CONNECTION_ID, which Linux treats as "no such host endpoint".
void handle_hyperv_exit(kvm_run& run, SynicState& state);

} // namespace vmm::hyperv
