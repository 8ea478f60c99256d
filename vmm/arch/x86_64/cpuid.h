// SPDX-License-Identifier: Apache-2.0
// The architectural CPUID leaves a partvm vCPU sees: what KVM supports, minus every hypervisor
// leaf (KVM's own paravirt leaves would make Linux pick KVM over Hyper-V), with per-vCPU topology.
#pragma once
#include "vmm/kvm/cpuid_entry.h"

namespace vmm {

struct CpuidTopology {
    uint32_t vcpu_index { 0 }; ///< Also the APIC id.
    uint32_t vcpu_count { 1 };
    bool tsc_deadline_timer { true }; ///< KVM_CAP_TSC_DEADLINE_TIMER: KVM emulates it.
};

/// Removes every 0x4000_0000-0x4fff_ffff leaf: the Hyper-V ones are composed separately.
void remove_hypervisor_leaves(CpuidTable& table);

/// Sets the hypervisor-present bit, APIC ids, logical CPU counts and the TSC-deadline bit.
/// Linux needs ARAT and TSC-deadline to skip the PIT, which partvm does not emulate.
void apply_topology(CpuidTable& table, const CpuidTopology& topology);

} // namespace vmm
