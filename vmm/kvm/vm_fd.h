// SPDX-License-Identifier: Apache-2.0
// A KVM VM fd: memory slots, the in-kernel irqchip, interrupt lines and vCPU creation.
// One method per ioctl, no policy. Safe to call from any thread (KVM serialises VM ioctls).
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"

#include <cstdint>
#include <span>

struct kvm_irq_routing_entry;

namespace vmm {

class VcpuFd;

class VmFd {
public:
    VmFd(UniqueFd fd, size_t vcpu_mmap_size)
        : m_fd(std::move(fd))
        , m_vcpu_mmap_size(vcpu_mmap_size)
    {
    }

    int check_extension(int capability) const;
    /// KVM_SET_USER_MEMORY_REGION: maps [host, host + size) at guest-physical `guest_address`.
    Result<void> set_user_memory_region(
        uint32_t slot, uint64_t guest_address, uint64_t size, void* host);
    /// KVM_SET_TSS_ADDR: three pages KVM needs below 4 GiB on Intel; harmless elsewhere.
    Result<void> set_tss_address(uint64_t address);
    /// KVM_CREATE_IRQCHIP: in-kernel LAPICs, IOAPIC and PIC.
    Result<void> create_irqchip();
    /// Masks every input of the in-kernel 8259 pair (KVM_GET/SET_IRQCHIP). A hardware-reduced
    /// Linux never programs the PIC, whose reset state is unmasked with vector base 0: a GSI
    /// below 16 would otherwise also reach vCPU 0 through LINT0 as a bogus low vector.
    Result<void> mask_legacy_pic();
    /// KVM_IRQ_LINE: drives a GSI of the in-kernel irqchip high or low.
    Result<void> set_irq_line(uint32_t gsi, bool high);
    /// KVM_SET_GSI_ROUTING: replaces the whole GSI routing table, including the default IOAPIC
    /// and PIC routes KVM_CREATE_IRQCHIP installed.
    Result<void> set_gsi_routing(std::span<const kvm_irq_routing_entry> routes);
    /// KVM_IRQFD: a write to `eventfd` raises `gsi`. With `resample_fd` >= 0
    /// (KVM_IRQFD_FLAG_RESAMPLE), KVM signals it when the guest acknowledges that interrupt.
    Result<void> assign_irqfd(int eventfd, uint32_t gsi, int resample_fd = -1);
    /// KVM_IRQFD with KVM_IRQFD_FLAG_DEASSIGN.
    Result<void> deassign_irqfd(int eventfd, uint32_t gsi);
    /// KVM_HYPERV_EVENTFD: the guest's HvSignalEvent on `connection_id` (24 bits; larger ids are
    /// refused) signals `fd` inside KVM, without a hypercall exit.
    Result<void> assign_hyperv_eventfd(uint32_t connection_id, int fd);
    /// KVM_HYPERV_EVENTFD with KVM_HYPERV_EVENTFD_DEASSIGN.
    Result<void> deassign_hyperv_eventfd(uint32_t connection_id, int fd);
    /// KVM_CREATE_VCPU with `id` (the APIC id; vCPUs are created in order 0..n-1).
    Result<VcpuFd> create_vcpu(uint32_t id);
    /// KVM_GET_STATS_FD: the binary statistics of this VM.
    Result<UniqueFd> stats_fd() const;

    int fd() const { return m_fd.get(); }

private:
    UniqueFd m_fd;
    size_t m_vcpu_mmap_size;
};

} // namespace vmm
