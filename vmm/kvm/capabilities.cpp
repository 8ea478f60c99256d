// SPDX-License-Identifier: Apache-2.0
#include "vmm/kvm/capabilities.h"

#include <linux/kvm.h>

namespace vmm {

namespace {

struct Wanted {
    int id;
    std::string_view name;
    std::string_view used_for;
    bool required;
};

constexpr bool Required = true;
constexpr bool Optional = false;

// Each entry names the code path that needs it; the Hyper-V ones are what the VMBus host stands on
// (Documentation/virt/kvm/api.rst in the Linux source describes each).
constexpr Wanted wanted[] = {
    { KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", "in-kernel LAPIC and IOAPIC", Required },
    { KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING", "SynIC interrupt routes", Required },
    { KVM_CAP_IRQFD, "KVM_CAP_IRQFD", "host-to-guest VMBus signals", Required },
    { KVM_CAP_IRQFD_RESAMPLE, "KVM_CAP_IRQFD_RESAMPLE", "level-triggered irqfds", Required },
    { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "stopping vCPUs without races", Required },
    { KVM_CAP_HYPERV, "KVM_CAP_HYPERV", "Hyper-V MSRs and hypercalls", Required },
    { KVM_CAP_HYPERV_CPUID, "KVM_CAP_HYPERV_CPUID", "the Hyper-V CPUID leaves", Required },
    { KVM_CAP_HYPERV_VP_INDEX, "KVM_CAP_HYPERV_VP_INDEX", "Hyper-V VP indexes", Required },
    { KVM_CAP_HYPERV_SYNIC2, "KVM_CAP_HYPERV_SYNIC2", "SynIC, VMBus's interrupt controller",
        Required },
    { KVM_CAP_HYPERV_EVENTFD, "KVM_CAP_HYPERV_EVENTFD", "guest-to-host VMBus signals", Required },
    { KVM_CAP_TSC_DEADLINE_TIMER, "KVM_CAP_TSC_DEADLINE_TIMER", "the guest's TSC-deadline timer",
        Optional },
    { KVM_CAP_BINARY_STATS_FD, "KVM_CAP_BINARY_STATS_FD", "exit counts in partvm boot --stats",
        Optional },
};

} // namespace

std::vector<KvmCapability> query_capabilities(const Kvm& kvm)
{
    std::vector<KvmCapability> answers;
    answers.reserve(std::size(wanted));
    for (const Wanted& cap : wanted) {
        answers.push_back({ .name = cap.name,
            .used_for = cap.used_for,
            .required = cap.required,
            .value = kvm.check_extension(cap.id) });
    }
    return answers;
}

} // namespace vmm
