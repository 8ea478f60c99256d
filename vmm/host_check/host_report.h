// SPDX-License-Identifier: Apache-2.0
// The host check's decisions: from HostFacts to a short table of what is there and what is
// missing, with what to do about each, and whether partvm can run a VM here. Pure: no I/O.
#pragma once
#include "vmm/host_check/host_facts.h"

#include <span>
#include <string>
#include <vector>

namespace vmm::host {

enum class Status {
    Ok,
    Missing, ///< Blocks running VMs (or, for the cgroup row, the jail).
    Warning, ///< Works, but slower or without a feature.
    Info, ///< Not used here, or not needed yet.
};

struct CheckRow {
    std::string item; ///< "/dev/kvm", "KVM capabilities", ...
    Status status { Status::Ok };
    std::string found; ///< What this host has, in a few words.
    std::string fix; ///< What to do about it; empty for Ok rows.
};

struct HostReport {
    std::vector<CheckRow> rows;
    bool vm_ready { false }; ///< KVM can build and run partvm's VMs.
    bool jail_used { false }; ///< Running as root: partvm run jails the VMM.
    bool jail_ready { false }; ///< The jailer can make its cgroup leaf (meaningful if jail_used).
    /// One line: "partvm can run VMs here", or what stops it.
    std::string verdict;

    /// What `partvm check` exits 0 for: `partvm run` works here as it is, with its defaults.
    bool ready() const { return vm_ready && (!jail_used || jail_ready); }
};

HostReport evaluate(const HostFacts& facts);

/// Why this KVM cannot run partvm's VMs, in one sentence naming what is missing; empty when it
/// can. The first of: no usable /dev/kvm, missing required capabilities, no usable Hyper-V CPUID.
std::string kvm_problem(const KvmFacts& kvm);

/// "this host's KVM lacks X, Y, which partvm needs"; empty when every
/// required capability is present.
std::string missing_capabilities_problem(std::span<const CapabilityAnswer> answers);

/// Said after a refusal that the host check explains in full.
inline constexpr std::string_view see_partvm_check
    = "'partvm check' shows what this host has and lacks";

} // namespace vmm::host
