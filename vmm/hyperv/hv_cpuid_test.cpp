// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/hv_cpuid.h"

#include <doctest/doctest.h>

using namespace vmm;
using namespace vmm::hyperv;

namespace {

// What KVM 6.1 reports, including bits partvm must never pass on.
CpuidTable kvm_hv_table()
{
    return {
        { .function = 0x40000000,
            .eax = 0x40000005,
            .ebx = 0x756e694c,
            .ecx = 0x564b2078,
            .edx = 0x7648204d },
        { .function = 0x40000003,
            .eax = 0x7fff,
            .ebx = 0x00100002 | HV_POST_MESSAGES | HV_SIGNAL_EVENTS,
            .edx = 0xffff },
        { .function = 0x40000004, .eax = 0x0e2c | HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED },
    };
}

} // namespace

TEST_CASE("the Hyper-V vendor leaf says Microsoft Hv, not Linux KVM Hv")
{
    auto leaves = compose_hv_cpuid(kvm_hv_table(), 2).value();
    const auto* vendor = find_leaf(leaves, 0x40000000);
    REQUIRE(vendor);
    CHECK(vendor->eax == 0x40000005);
    char name[13] = {};
    std::memcpy(name, &vendor->ebx, 4);
    std::memcpy(name + 4, &vendor->ecx, 4);
    std::memcpy(name + 8, &vendor->edx, 4);
    CHECK(std::string(name) == "Microsoft Hv");
    CHECK(find_leaf(leaves, 0x40000001)->eax == 0x31237648);
}

TEST_CASE("the partition-id and extended-hypercall privileges never reach the guest")
{
    auto leaves = compose_hv_cpuid(kvm_hv_table(), 2).value();
    const auto* features = find_leaf(leaves, 0x40000003);
    CHECK((features->ebx & (1u << 1)) == 0); // Partition id: Linux BUG()s under KVM.
    CHECK((features->ebx & (1u << 20)) == 0); // Extended hypercalls.
    CHECK((features->ebx & (1u << 12)) == 0); // CPU management: root partition only.
    CHECK((features->eax & (1u << 15)) == 0); // TSC invariant needs an MSR KVM 6.1 lacks.
    CHECK((features->eax & (1u << 13)) == 0); // Reenlightenment: migration only.
    CHECK((features->ebx & (HV_POST_MESSAGES | HV_SIGNAL_EVENTS))
        == (HV_POST_MESSAGES | HV_SIGNAL_EVENTS));
}

TEST_CASE("Linux gets what it needs to detect Hyper-V and skip TSC calibration")
{
    auto leaves = compose_hv_cpuid(kvm_hv_table(), 2).value();
    const auto* features = find_leaf(leaves, 0x40000003);
    CHECK((features->eax & HV_MSR_HYPERCALL_AVAILABLE) != 0);
    CHECK((features->eax & HV_MSR_VP_INDEX_AVAILABLE) != 0);
    CHECK((features->eax & HV_ACCESS_FREQUENCY_MSRS) != 0);
    CHECK((features->edx & HV_FEATURE_FREQUENCY_MSRS_AVAILABLE) != 0);
    CHECK((features->eax & HV_MSR_REFERENCE_TSC_AVAILABLE) != 0);
    const auto* hints = find_leaf(leaves, 0x40000004);
    CHECK((hints->eax & HV_DEPRECATING_AEOI_RECOMMENDED) != 0);
    CHECK((hints->eax & HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED) != 0);
    CHECK((hints->eax & (1u << 3)) == 0); // APIC access hint stays clear (APICv/AVIC).
    CHECK(find_leaf(leaves, 0x40000005)->eax == 2);
}

TEST_CASE("a KVM without SynIC is refused with a clear error")
{
    auto table = kvm_hv_table();
    table[1].eax &= ~HV_MSR_SYNIC_AVAILABLE;
    auto result = compose_hv_cpuid(table, 1);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == Errc::Unsupported);
}
