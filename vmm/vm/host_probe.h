// SPDX-License-Identifier: Apache-2.0
// Reads HostFacts off the running host: /dev/kvm and its capabilities, the cgroup mount, TUN and
// the THP setting. Read-only: it creates no VM and changes nothing.
#pragma once
#include "vmm/host_check/host_facts.h"
#include "vmm/kvm/kvm.h"

namespace vmm::host {

/// KVM's answer for each capability partvm relies on (vmm/kvm/capabilities.h).
std::vector<CapabilityAnswer> capability_answers(const Kvm& kvm);

/// The KVM part of the host check, from an opened /dev/kvm: the answers above, the KVM modules
/// loaded, the vCPU limit, and whether KVM's Hyper-V CPUID has what partvm offers the guest.
KvmFacts kvm_facts(const Kvm& kvm);

/// Opens `path` and reads its facts; access says why when it cannot be opened.
KvmFacts probe_kvm(const char* path = "/dev/kvm");

HostFacts probe_host();

} // namespace vmm::host
