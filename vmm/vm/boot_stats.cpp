// SPDX-License-Identifier: Apache-2.0
#include "vmm/vm/boot_stats.h"
#include "vmm/kvm/kvm_stats.h"
#include "vmm/vm/vm.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

namespace vmm {

Result<BootStats> BootStats::prepare(const std::string& path, Vm& vm, BootTimeline timeline)
{
    BootStats stats;
    stats.m_timeline = std::move(timeline);
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
    using Ms = std::chrono::duration<double, std::milli>;
    const auto since_main = [this](BootTimeline::Clock::time_point at) {
        return Ms(at - m_timeline.started()).count();
    };
    const auto& vcpus = vm.vcpus();
    double first_run_ms = -1;
    if (!vcpus.empty() && vcpus.front()->first_run_ns() != 0) {
        first_run_ms = since_main(BootTimeline::Clock::time_point(
            std::chrono::nanoseconds(vcpus.front()->first_run_ns())));
    }
    std::string phases;
    for (const auto& mark : m_timeline.marks()) {
        phases += fmt::format(
            "{}\"{}\": {:.3f}", phases.empty() ? "" : ", ", mark.phase, since_main(mark.at));
    }
    // Exits by reason: KVM's *_exits counters, and the total.
    std::string exits;
    for (const auto& [name, value] : total) {
        if (name == "exits" || name.ends_with("_exits") || name == "hypercalls"
            || name == "insn_emulation") {
            exits += fmt::format("{}\"{}\": {}", exits.empty() ? "" : ", ", name, value);
        }
    }
    // steady_clock is CLOCK_MONOTONIC: a launcher can subtract its own spawn time.
    const double main_ms = Ms(m_timeline.started().time_since_epoch()).count();
    const std::string json = fmt::format("{{\"main_monotonic_ms\": {:.3f}, \"phases_ms\": {{{}}}, "
                                         "\"first_kvm_run_ms\": {:.3f}, \"exits\": {{{}}}}}\n",
        main_ms, phases, first_run_ms, exits);
    (void)!::write(m_out.get(), json.data(), json.size());
}

} // namespace vmm
