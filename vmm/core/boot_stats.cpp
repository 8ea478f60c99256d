// SPDX-License-Identifier: Apache-2.0
#include "vmm/core/boot_stats.h"
#include "vmm/core/vm.h"
#include "vmm/kvm/kvm_stats.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

namespace vmm {

Result<BootStats> BootStats::prepare(
    const std::string& path, Vm& vm, std::chrono::steady_clock::time_point started)
{
    BootStats stats;
    stats.m_started = started;
    stats.m_out = UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!stats.m_out.valid()) {
        return Error::from_errno("--stats: cannot create the file");
    }
    for (auto& vcpu : vm.vcpus()) {
        stats.m_vcpu_stats.push_back(TRY(vcpu->fd().stats_fd()));
    }
    return stats;
}

void BootStats::write(Vm& vm) const
{
    KvmCounters total;
    for (const UniqueFd& fd : m_vcpu_stats) {
        auto counters = read_kvm_stats(fd.get());
        if (!counters) {
            fmt::print(stderr, "partvm: --stats: {}\n", counters.error().message());
            continue;
        }
        for (const auto& [name, value] : *counters) {
            total[name] += value;
        }
    }
    const auto& vcpus = vm.vcpus();
    double first_run_ms = -1;
    if (!vcpus.empty() && vcpus.front()->first_run_ns() != 0) {
        const auto first_run = std::chrono::steady_clock::time_point(
            std::chrono::nanoseconds(vcpus.front()->first_run_ns()));
        first_run_ms = std::chrono::duration<double, std::milli>(first_run - m_started).count();
    }
    // Exits by reason: KVM's *_exits counters, and the total.
    std::string exits;
    for (const auto& [name, value] : total) {
        if (name == "exits" || name.ends_with("_exits") || name == "hypercalls"
            || name == "insn_emulation") {
            exits += fmt::format("{}\"{}\": {}", exits.empty() ? "" : ", ", name, value);
        }
    }
    const std::string json
        = fmt::format("{{\"first_kvm_run_ms\": {:.3f}, \"exits\": {{{}}}}}\n", first_run_ms, exits);
    (void)!::write(m_out.get(), json.data(), json.size());
}

} // namespace vmm
