// SPDX-License-Identifier: Apache-2.0
// The Hyper-V CPUID leaves 0x40000000-0x40000005 partvm presents
// (docs/vmbus.md#hyper-v-cpuid-leaves). Composed by us, masked by what KVM can back: KVM's own HV
// table says "Linux KVM Hv" and carries bits that must never reach the guest (partition id,
// extended hypercalls, ...).
#pragma once
#include "base/result.h"
#include "vmm/kvm/cpuid_entry.h"

namespace vmm::hyperv {

// 0x40000003 EAX: partition privileges (the subset partvm exposes).
constexpr uint32_t HV_MSR_VP_RUNTIME_AVAILABLE = 1u << 0;
constexpr uint32_t HV_MSR_TIME_REF_COUNT_AVAILABLE = 1u << 1;
constexpr uint32_t HV_MSR_SYNIC_AVAILABLE = 1u << 2;
constexpr uint32_t HV_MSR_APIC_ACCESS_AVAILABLE = 1u << 4;
constexpr uint32_t HV_MSR_HYPERCALL_AVAILABLE = 1u << 5;
constexpr uint32_t HV_MSR_VP_INDEX_AVAILABLE = 1u << 6;
constexpr uint32_t HV_MSR_REFERENCE_TSC_AVAILABLE = 1u << 9;
constexpr uint32_t HV_ACCESS_FREQUENCY_MSRS = 1u << 11;
// 0x40000003 EBX.
constexpr uint32_t HV_POST_MESSAGES = 1u << 4;
constexpr uint32_t HV_SIGNAL_EVENTS = 1u << 5;
// 0x40000003 EDX.
constexpr uint32_t HV_FEATURE_FREQUENCY_MSRS_AVAILABLE = 1u << 8;
constexpr uint32_t HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE = 1u << 10;
// 0x40000004 EAX: recommendations.
constexpr uint32_t HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED = 1u << 2;
constexpr uint32_t HV_X64_RELAXED_TIMING_RECOMMENDED = 1u << 5;
constexpr uint32_t HV_DEPRECATING_AEOI_RECOMMENDED = 1u << 9;
constexpr uint32_t HV_X64_CLUSTER_IPI_RECOMMENDED = 1u << 10;
constexpr uint32_t HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED = 1u << 11;

constexpr uint32_t HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS = 0x40000000;
constexpr uint32_t HYPERV_CPUID_INTERFACE = 0x40000001;
constexpr uint32_t HYPERV_CPUID_VERSION = 0x40000002;
constexpr uint32_t HYPERV_CPUID_FEATURES = 0x40000003;
constexpr uint32_t HYPERV_CPUID_ENLIGHTMENT_INFO = 0x40000004;
constexpr uint32_t HYPERV_CPUID_IMPLEMENT_LIMITS = 0x40000005;

/// Builds the Hyper-V leaves for a VM of `vcpu_count` vCPUs. `kvm_supported` is
/// KVM_GET_SUPPORTED_HV_CPUID's answer. Fails if KVM cannot back what Linux needs to detect
/// Hyper-V and run VMBus (hypercalls, VP index, SynIC, message posting).
Result<CpuidTable> compose_hv_cpuid(const CpuidTable& kvm_supported, uint32_t vcpu_count);

} // namespace vmm::hyperv
