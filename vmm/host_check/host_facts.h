// SPDX-License-Identifier: Apache-2.0
// What partvm finds on a host before it runs a VM: plain data, read by probe_host() and judged by
// evaluate(). Tests build these by hand to check every decision without a real host.
#pragma once
#include "vmm/host_check/cgroup_facts.h"
#include "vmm/kvm/capability_answer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vmm::host {

enum class KvmAccess {
    Usable, ///< Opened, with the stable API version.
    Missing, ///< No /dev/kvm (no KVM module loaded, or a container without the device).
    Denied, ///< EACCES/EPERM: the caller may not open it.
    OpenFailed, ///< Any other open error.
    WrongApiVersion,
};

struct KvmFacts {
    KvmAccess access { KvmAccess::Missing };
    std::string open_error; ///< strerror of a failed open.
    /// The KVM vendor modules loaded (kvm_intel, kvm_amd, kvm_pvm...), from /sys/module.
    std::vector<std::string> modules;
    std::vector<CapabilityAnswer> capabilities; ///< Empty unless access is Usable.
    uint32_t max_vcpus { 0 };
    /// Why KVM's Hyper-V CPUID cannot give the guest what partvm offers it; empty when it can.
    std::string hyperv_cpuid_problem;
};

struct HostFacts {
    KvmFacts kvm;
    CgroupFacts cgroup;
    bool root { false }; ///< Effective uid 0: partvm run then starts the VMM through the jailer.
    bool tun_present { false }; ///< /dev/net/tun is a character device (TAP networking).
    std::string thp_mode; ///< The bracketed word of transparent_hugepage/enabled; empty if none.
};

} // namespace vmm::host
