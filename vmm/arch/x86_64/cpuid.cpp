// SPDX-License-Identifier: Apache-2.0
#include "vmm/arch/x86_64/cpuid.h"

#include <algorithm>

namespace vmm {

namespace {

constexpr uint32_t leaf1_ecx_tsc_deadline = 1u << 24;
constexpr uint32_t leaf1_ecx_hypervisor = 1u << 31;
constexpr uint32_t leaf1_edx_htt = 1u << 28;

} // namespace

void remove_hypervisor_leaves(CpuidTable& table)
{
    std::erase_if(table, [](const CpuidEntry& entry) {
        return entry.function >= 0x40000000 && entry.function <= 0x4fffffff;
    });
}

void apply_topology(CpuidTable& table, const CpuidTopology& topology)
{
    const uint32_t apic_id = topology.vcpu_index;
    const uint32_t count = std::max(topology.vcpu_count, 1u);
    for (auto& entry : table) {
        switch (entry.function) {
        case 0x1:
            entry.ecx |= leaf1_ecx_hypervisor;
            if (topology.tsc_deadline_timer) {
                entry.ecx |= leaf1_ecx_tsc_deadline;
            }
            // EBX[31:24] initial APIC id, EBX[23:16] logical processors per package.
            entry.ebx = (entry.ebx & 0x0000ffffu) | (apic_id << 24) | ((count & 0xff) << 16);
            if (count > 1) {
                entry.edx |= leaf1_edx_htt;
            } else {
                entry.edx &= ~leaf1_edx_htt;
            }
            break;
        case 0xb:
        case 0x1f:
            // Extended topology: EDX is the x2APIC id of this logical processor.
            entry.edx = apic_id;
            break;
        case 0x80000008:
            // AMD: ECX[7:0] is the number of logical processors in the package, minus one.
            entry.ecx = (entry.ecx & ~0xffu) | ((count - 1) & 0xff);
            break;
        default:
            break;
        }
    }
}

} // namespace vmm
