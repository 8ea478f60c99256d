// SPDX-License-Identifier: Apache-2.0
#include "vmm/kvm/vm_fd.h"
#include "vmm/base/mapping.h"
#include "vmm/kvm/vcpu_fd.h"

#include <linux/kvm.h>
#include <sys/ioctl.h>

namespace vmm {

int VmFd::check_extension(int capability) const
{
    int value = ::ioctl(m_fd.get(), KVM_CHECK_EXTENSION, capability);
    return value < 0 ? 0 : value;
}

Result<void> VmFd::set_user_memory_region(
    uint32_t slot, uint64_t guest_address, uint64_t size, void* host)
{
    kvm_userspace_memory_region region {
        .slot = slot,
        .flags = 0,
        .guest_phys_addr = guest_address,
        .memory_size = size,
        .userspace_addr = reinterpret_cast<uint64_t>(host),
    };
    if (::ioctl(m_fd.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        return Error::from_errno("KVM_SET_USER_MEMORY_REGION");
    }
    return {};
}

Result<void> VmFd::set_tss_address(uint64_t address)
{
    if (::ioctl(m_fd.get(), KVM_SET_TSS_ADDR, address) < 0) {
        return Error::from_errno("KVM_SET_TSS_ADDR");
    }
    return {};
}

Result<void> VmFd::create_irqchip()
{
    if (::ioctl(m_fd.get(), KVM_CREATE_IRQCHIP, 0) < 0) {
        return Error::from_errno("KVM_CREATE_IRQCHIP");
    }
    return {};
}

Result<void> VmFd::mask_legacy_pic()
{
    for (uint32_t chip : { KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE }) {
        kvm_irqchip state {};
        state.chip_id = chip;
        if (::ioctl(m_fd.get(), KVM_GET_IRQCHIP, &state) < 0) {
            return Error::from_errno("KVM_GET_IRQCHIP");
        }
        state.chip.pic.imr = 0xff;
        if (::ioctl(m_fd.get(), KVM_SET_IRQCHIP, &state) < 0) {
            return Error::from_errno("KVM_SET_IRQCHIP");
        }
    }
    return {};
}

Result<void> VmFd::set_irq_line(uint32_t gsi, bool high)
{
    kvm_irq_level level {};
    level.irq = gsi;
    level.level = high ? 1 : 0;
    if (::ioctl(m_fd.get(), KVM_IRQ_LINE, &level) < 0) {
        return Error::from_errno("KVM_IRQ_LINE");
    }
    return {};
}

Result<VcpuFd> VmFd::create_vcpu(uint32_t id)
{
    UniqueFd vcpu(::ioctl(m_fd.get(), KVM_CREATE_VCPU, id));
    if (!vcpu.valid()) {
        return Error::from_errno("KVM_CREATE_VCPU");
    }
    auto run = TRY(Mapping::map(
        m_vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu.get(), 0, "mapping kvm_run"));
    return VcpuFd(std::move(vcpu), std::move(run), id);
}

Result<UniqueFd> VmFd::stats_fd() const
{
    UniqueFd stats(::ioctl(m_fd.get(), KVM_GET_STATS_FD, 0));
    if (!stats.valid()) {
        return Error::from_errno("KVM_GET_STATS_FD");
    }
    return stats;
}

} // namespace vmm
