// SPDX-License-Identifier: Apache-2.0
// `partvm boot --stats FILE`: where the boot's time went on the VMM side and what the guest made
// KVM do, as JSON for perf/boot. Its fds are opened before the VMM is fenced (seccomp forbids
// opening files later); the counters are read when the VM has stopped.
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"
#include "vmm/vm/boot_timeline.h"

#include <chrono>
#include <string>
#include <vector>

namespace vmm {

class Vm;

class BootStats {
public:
    /// `timeline` starts when main() began: the start of "VMM start to first KVM_RUN".
    static Result<BootStats> prepare(const std::string& path, Vm& vm, BootTimeline timeline);
    /// Writes {"main_monotonic_ms": CLOCK_MONOTONIC at main(), "phases_ms": {step: ms since
    /// main}, "first_kvm_run_ms": ..., "exits": {counter: sum over vCPUs}}.
    void write(Vm& vm) const;

private:
    UniqueFd m_out;
    std::vector<UniqueFd> m_vcpu_stats;
    BootTimeline m_timeline { {} };
};

} // namespace vmm
