// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/synic_ports.h"
#include "base/eventfd.h"
#include "base/log.h"
#include "vmm/hyperv/sint_routes.h"
#include "vmm/hyperv/synic_page.h"
#include "vmm/hyperv/synic_slots.h"
#include "vmm/kvm/vm_fd.h"

#include <sys/eventfd.h>
#include <unistd.h>

namespace vmm::hyperv {

Result<SynicPorts> SynicPorts::create_detached(GuestMemory& memory, uint32_t vcpu_count)
{
    auto ports = std::make_unique<Port[]>(vcpu_count);
    for (uint32_t vp = 0; vp < vcpu_count; ++vp) {
        ports[vp].interrupt = TRY(make_eventfd());
        ports[vp].resample = TRY(make_eventfd());
    }
    return SynicPorts(memory, std::move(ports), vcpu_count);
}

Result<SynicPorts> SynicPorts::create(VmFd& vm, GuestMemory& memory, uint32_t vcpu_count)
{
    auto ports = TRY(create_detached(memory, vcpu_count));
    const auto routes = routes_with_vmbus_sints(vcpu_count);
    TRY(vm.set_gsi_routing(routes));
    // Irqfds attached here go away when their eventfds close (KVM sees EPOLLHUP), so an early
    // return or the destructor needs no deassign.
    for (uint32_t vp = 0; vp < vcpu_count; ++vp) {
        const Port& port = ports.m_ports[vp];
        TRY(vm.assign_irqfd(port.interrupt.get(), sint_gsi(vp), port.resample.get()));
    }
    return ports;
}

void SynicPorts::record_synic(uint32_t vp, uint64_t control, uint64_t simp, uint64_t siefp)
{
    if (vp >= m_vcpu_count) {
        return;
    }
    Port& port = m_ports[vp];
    port.control.store(control, std::memory_order_release);
    port.simp.store(simp, std::memory_order_release);
    port.siefp.store(siefp, std::memory_order_release);
}

std::byte* SynicPorts::slot(const Port& port, const std::atomic<uint64_t>& page_msr) const
{
    if (!(port.control.load(std::memory_order_acquire) & synic_control_enable)) {
        return nullptr;
    }
    // Resolved on every use: the guest may move or disable the page at any time.
    return synic_slot(*m_memory, page_msr.load(std::memory_order_acquire), vmbus_sint);
}

void SynicPorts::assert_sint(uint32_t vp)
{
    if (!signal_eventfd(m_ports[vp].interrupt.get())) {
        LOG_WARN("synic: asserting SINT 2 of VP {} failed", vp);
    }
}

PostResult SynicPorts::post_message(
    uint32_t vp, uint32_t message_type, std::span<const std::byte> payload)
{
    if (vp >= m_vcpu_count) {
        return PostResult::NotReady;
    }
    const Port& port = m_ports[vp];
    std::byte* message_slot = slot(port, port.simp);
    if (!message_slot) {
        return PostResult::NotReady;
    }
    if (post_to_message_slot(message_slot, message_type, payload) == SlotPost::Busy) {
        return PostResult::Busy;
    }
    assert_sint(vp);
    return PostResult::Delivered;
}

bool SynicPorts::signal_event(uint32_t vp, uint32_t relid)
{
    if (vp >= m_vcpu_count || relid >= synic_event_flag_count) {
        return false;
    }
    const Port& port = m_ports[vp];
    std::byte* flags_slot = slot(port, port.siefp);
    if (!flags_slot) {
        return false;
    }
    if (set_event_flag(flags_slot, relid)) {
        assert_sint(vp);
    }
    return true;
}

int SynicPorts::resample_fd(uint32_t vp) const
{
    return vp < m_vcpu_count ? m_ports[vp].resample.get() : -1;
}

bool SynicPorts::consume_resample(uint32_t vp)
{
    if (vp >= m_vcpu_count) {
        return false;
    }
    return drain_eventfd(m_ports[vp].resample.get()) != 0;
}

int SynicPorts::interrupt_fd(uint32_t vp) const
{
    return vp < m_vcpu_count ? m_ports[vp].interrupt.get() : -1;
}

} // namespace vmm::hyperv
