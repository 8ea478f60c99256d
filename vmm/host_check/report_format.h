// SPDX-License-Identifier: Apache-2.0
// `partvm check`'s output: a table for people, JSON for programs.
#pragma once
#include "vmm/host_check/host_report.h"

#include <string>

namespace vmm::host {

/// One line per check (status, item, what was found), a "fix:" line under each that is not ok,
/// and the verdict last, so `tail -n1` gives it.
std::string format_text(const HostReport& report);

/// {"ready", "vm", "jail", "verdict", "vm_problem", "checks": [...], "kvm": {...},
/// "cgroup": {...}, "tun", "thp"}: the report plus the raw facts, each capability with KVM's
/// answer. vm_problem is kvm_problem()'s sentence, empty when KVM can run VMs.
std::string format_json(const HostReport& report, const HostFacts& facts);

} // namespace vmm::host
