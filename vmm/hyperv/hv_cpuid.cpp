// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/hv_cpuid.h"

namespace vmm::hyperv {

namespace {

// "Microsoft Hv" as EBX, ECX, EDX.
constexpr uint32_t vendor_ebx = 0x7263694d; // "Micr"
constexpr uint32_t vendor_ecx = 0x666f736f; // "osof"
constexpr uint32_t vendor_edx = 0x76482074; // "t Hv"
constexpr uint32_t interface_hv1 = 0x31237648; // "Hv#1": KVM enables its Hyper-V MSRs only with it.

constexpr uint32_t required_features
    = HV_MSR_HYPERCALL_AVAILABLE | HV_MSR_VP_INDEX_AVAILABLE | HV_MSR_SYNIC_AVAILABLE;
constexpr uint32_t wanted_features = required_features | HV_MSR_VP_RUNTIME_AVAILABLE
    | HV_MSR_TIME_REF_COUNT_AVAILABLE | HV_MSR_APIC_ACCESS_AVAILABLE
    | HV_MSR_REFERENCE_TSC_AVAILABLE | HV_ACCESS_FREQUENCY_MSRS;
constexpr uint32_t required_privileges = HV_POST_MESSAGES | HV_SIGNAL_EVENTS;
constexpr uint32_t wanted_misc
    = HV_FEATURE_FREQUENCY_MSRS_AVAILABLE | HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE;
// Remote TLB flush and IPI hypercalls are handled inside KVM: cheaper than IPIs through the LAPIC.
constexpr uint32_t wanted_hints = HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED
    | HV_X64_RELAXED_TIMING_RECOMMENDED | HV_X64_CLUSTER_IPI_RECOMMENDED
    | HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED;

} // namespace

Result<CpuidTable> compose_hv_cpuid(const CpuidTable& kvm_supported, uint32_t vcpu_count)
{
    const CpuidEntry* kvm_features = find_leaf(kvm_supported, HYPERV_CPUID_FEATURES);
    const CpuidEntry* kvm_hints = find_leaf(kvm_supported, HYPERV_CPUID_ENLIGHTMENT_INFO);
    if (!kvm_features || (kvm_features->eax & required_features) != required_features
        || (kvm_features->ebx & required_privileges) != required_privileges) {
        return Error::unsupported(
            "KVM lacks the Hyper-V enlightenments partvm needs (hypercalls, VP index, SynIC)");
    }
    const uint32_t kvm_hint_bits = kvm_hints ? kvm_hints->eax : 0;

    CpuidTable leaves;
    leaves.push_back({ .function = HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS,
        .eax = HYPERV_CPUID_IMPLEMENT_LIMITS,
        .ebx = vendor_ebx,
        .ecx = vendor_ecx,
        .edx = vendor_edx });
    leaves.push_back({ .function = HYPERV_CPUID_INTERFACE, .eax = interface_hv1 });
    // Host build: cosmetic (Linux only prints it); claim Hyper-V 10.0.
    leaves.push_back({ .function = HYPERV_CPUID_VERSION, .eax = 0x3839, .ebx = 0x000a0000 });
    leaves.push_back({ .function = HYPERV_CPUID_FEATURES,
        .eax = kvm_features->eax & wanted_features,
        .ebx = kvm_features->ebx & required_privileges,
        .ecx = 0,
        .edx = kvm_features->edx & wanted_misc });
    // AEOI deprecation is a guest-side choice KVM needs no support for; it keeps APICv usable.
    leaves.push_back({ .function = HYPERV_CPUID_ENLIGHTMENT_INFO,
        .eax = (kvm_hint_bits & wanted_hints) | HV_DEPRECATING_AEOI_RECOMMENDED,
        .ebx = 0xffffffff, // Spinlock retries: never notify.
        .ecx = 0,
        .edx = 0 });
    leaves.push_back({ .function = HYPERV_CPUID_IMPLEMENT_LIMITS,
        .eax = vcpu_count,
        .ebx = vcpu_count,
        .ecx = 0,
        .edx = 0 });
    return leaves;
}

} // namespace vmm::hyperv
