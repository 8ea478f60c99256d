// SPDX-License-Identifier: Apache-2.0
#include "vmm/kvm/vcpu_fd.h"
#include "vmm/kvm/cpuid_conversion.h"

#include <atomic>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <vector>

namespace vmm {

namespace {

template<class T>
Result<void> vcpu_ioctl(int fd, unsigned long request, T* argument, const char* what)
{
    if (::ioctl(fd, request, argument) < 0) {
        return Error::from_errno(what);
    }
    return {};
}

} // namespace

Result<void> VcpuFd::run()
{
    if (::ioctl(m_fd.get(), KVM_RUN, 0) < 0) {
        return Error::from_errno("KVM_RUN");
    }
    return {};
}

void VcpuFd::set_immediate_exit(bool on)
{
    // Another thread flips this while KVM_RUN may be reading it: use an atomic store.
    std::atomic_ref<uint8_t>(run_state().immediate_exit)
        .store(on ? 1 : 0, std::memory_order_release);
}

Result<void> VcpuFd::get_regs(kvm_regs& regs) const
{
    return vcpu_ioctl(m_fd.get(), KVM_GET_REGS, &regs, "KVM_GET_REGS");
}

Result<void> VcpuFd::set_regs(const kvm_regs& regs)
{
    return vcpu_ioctl(m_fd.get(), KVM_SET_REGS, &regs, "KVM_SET_REGS");
}

Result<void> VcpuFd::get_sregs(kvm_sregs& sregs) const
{
    return vcpu_ioctl(m_fd.get(), KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
}

Result<void> VcpuFd::set_sregs(const kvm_sregs& sregs)
{
    return vcpu_ioctl(m_fd.get(), KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
}

Result<void> VcpuFd::set_fpu(const kvm_fpu& fpu)
{
    return vcpu_ioctl(m_fd.get(), KVM_SET_FPU, &fpu, "KVM_SET_FPU");
}

Result<void> VcpuFd::get_lapic(kvm_lapic_state& lapic) const
{
    return vcpu_ioctl(m_fd.get(), KVM_GET_LAPIC, &lapic, "KVM_GET_LAPIC");
}

Result<void> VcpuFd::set_lapic(const kvm_lapic_state& lapic)
{
    return vcpu_ioctl(m_fd.get(), KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC");
}

Result<void> VcpuFd::set_cpuid(const CpuidTable& table)
{
    auto buffer = to_kvm_cpuid(table);
    return vcpu_ioctl(m_fd.get(), kvm_abi::SET_CPUID2, buffer.data(), "KVM_SET_CPUID2");
}

Result<void> VcpuFd::set_msrs(std::span<const MsrValue> msrs)
{
    kvm_abi::FlexBuffer<kvm_abi::MsrsHeader, kvm_msr_entry> buffer(msrs.size());
    buffer.set_header({ .nmsrs = static_cast<uint32_t>(msrs.size()), .pad = 0 });
    for (size_t i = 0; i < msrs.size(); ++i) {
        buffer.set_entry(i, { .index = msrs[i].index, .reserved = 0, .data = msrs[i].value });
    }
    int written = ::ioctl(m_fd.get(), kvm_abi::SET_MSRS, buffer.data());
    if (written < 0) {
        return Error::from_errno("KVM_SET_MSRS");
    }
    // KVM stops at the first MSR it refuses and returns how many it set.
    if (static_cast<size_t>(written) != msrs.size()) {
        return Error::unsupported("KVM_SET_MSRS refused an MSR");
    }
    return {};
}

Result<void> VcpuFd::enable_cap(uint32_t capability, uint64_t arg)
{
    kvm_enable_cap cap {};
    cap.cap = capability;
    cap.args[0] = arg;
    return vcpu_ioctl(m_fd.get(), KVM_ENABLE_CAP, &cap, "KVM_ENABLE_CAP on a vCPU");
}

Result<UniqueFd> VcpuFd::stats_fd() const
{
    UniqueFd stats(::ioctl(m_fd.get(), KVM_GET_STATS_FD, 0));
    if (!stats.valid()) {
        return Error::from_errno("KVM_GET_STATS_FD on a vCPU");
    }
    return stats;
}

} // namespace vmm
