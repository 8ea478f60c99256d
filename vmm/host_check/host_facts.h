// SPDX-License-Identifier: Apache-2.0
// What partvm finds on a host before it runs a VM: plain data, probed by the VMM side
// (vmm/vm/host_probe.h) and judged by evaluate(). Tests build these by hand to check every decision
// without a real host.
#pragma once
#include "jailer/cgroup_layout.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vmm::host {

using jail::CgroupFacts;
using jail::CgroupLayout;

enum class CapabilityNeed {
    Required, ///< No VM can be built without it.
    Optional, ///< A feature degrades or goes away without it.
};

/// What KVM answered about one capability partvm asks for.
struct CapabilityAnswer {
    std::string_view name; ///< The KVM_CAP_* name, as the kernel's api.rst spells it.
    std::string_view used_for; ///< What partvm uses it for, a few words.
    CapabilityNeed need { CapabilityNeed::Required };
    int value { 0 }; ///< KVM_CHECK_EXTENSION's answer: 0 when absent.

    bool present() const { return value > 0; }
};

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
