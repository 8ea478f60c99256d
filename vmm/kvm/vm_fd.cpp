// SPDX-License-Identifier: Apache-2.0
#include "vmm/kvm/vm_fd.h"
#include "base/mapping.h"
#include "vmm/kvm/kvm_flex.h"
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

Result<void> VmFd::set_gsi_routing(std::span<const kvm_irq_routing_entry> routes)
{
    kvm_abi::FlexBuffer<kvm_abi::IrqRoutingHeader, kvm_irq_routing_entry> buffer(routes.size());
    buffer.set_header({ .nr = static_cast<uint32_t>(routes.size()), .flags = 0 });
    for (size_t i = 0; i < routes.size(); ++i) {
        buffer.set_entry(i, routes[i]);
    }
    if (::ioctl(m_fd.get(), kvm_abi::SET_GSI_ROUTING, buffer.data()) < 0) {
        return Error::from_errno("KVM_SET_GSI_ROUTING");
    }
    return {};
}

Result<void> VmFd::assign_irqfd(int eventfd, uint32_t gsi, int resample_fd)
{
    kvm_irqfd irqfd {};
    irqfd.fd = static_cast<uint32_t>(eventfd);
    irqfd.gsi = gsi;
    if (resample_fd >= 0) {
        irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
        irqfd.resamplefd = static_cast<uint32_t>(resample_fd);
    }
    if (::ioctl(m_fd.get(), KVM_IRQFD, &irqfd) < 0) {
        return Error::from_errno("KVM_IRQFD");
    }
    return {};
}

Result<void> VmFd::deassign_irqfd(int eventfd, uint32_t gsi)
{
    kvm_irqfd irqfd {};
    irqfd.fd = static_cast<uint32_t>(eventfd);
    irqfd.gsi = gsi;
    irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
    if (::ioctl(m_fd.get(), KVM_IRQFD, &irqfd) < 0) {
        return Error::from_errno("KVM_IRQFD (deassign)");
    }
    return {};
}

namespace {

Result<void> hyperv_eventfd(
    int vm, uint32_t connection_id, int fd, uint32_t flags, const char* what)
{
    // KVM would answer EINVAL; say why instead.
    if (connection_id & ~uint32_t(KVM_HYPERV_CONN_ID_MASK)) {
        return Error::invalid("Hyper-V connection ids have 24 bits");
    }
    kvm_hyperv_eventfd args {};
    args.conn_id = connection_id;
    args.fd = fd;
    args.flags = flags;
    if (::ioctl(vm, KVM_HYPERV_EVENTFD, &args) < 0) {
        return Error::from_errno(what);
    }
    return {};
}

} // namespace

Result<void> VmFd::assign_hyperv_eventfd(uint32_t connection_id, int fd)
{
    return hyperv_eventfd(m_fd.get(), connection_id, fd, 0, "KVM_HYPERV_EVENTFD");
}

Result<void> VmFd::deassign_hyperv_eventfd(uint32_t connection_id, int fd)
{
    return hyperv_eventfd(m_fd.get(), connection_id, fd, KVM_HYPERV_EVENTFD_DEASSIGN,
        "KVM_HYPERV_EVENTFD (deassign)");
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
