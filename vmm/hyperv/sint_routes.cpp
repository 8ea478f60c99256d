// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/sint_routes.h"
#include "vmm/hyperv/synic_slots.h"

namespace vmm::hyperv {

namespace {

constexpr uint32_t ioapic_pins = 24;
constexpr uint32_t pic_pins = 16;

kvm_irq_routing_entry irqchip_route(uint32_t gsi, uint32_t chip, uint32_t pin)
{
    kvm_irq_routing_entry entry {};
    entry.gsi = gsi;
    entry.type = KVM_IRQ_ROUTING_IRQCHIP;
    entry.u.irqchip.irqchip = chip;
    entry.u.irqchip.pin = pin;
    return entry;
}

} // namespace

std::vector<kvm_irq_routing_entry> default_irqchip_routes()
{
    std::vector<kvm_irq_routing_entry> routes;
    for (uint32_t gsi = 0; gsi < ioapic_pins; ++gsi) {
        routes.push_back(irqchip_route(gsi, KVM_IRQCHIP_IOAPIC, gsi));
        if (gsi < pic_pins) {
            const uint32_t chip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
            routes.push_back(irqchip_route(gsi, chip, gsi % 8));
        }
    }
    return routes;
}

std::vector<kvm_irq_routing_entry> routes_with_vmbus_sints(uint32_t vcpu_count)
{
    auto routes = default_irqchip_routes();
    for (uint32_t vp = 0; vp < vcpu_count; ++vp) {
        kvm_irq_routing_entry entry {};
        entry.gsi = sint_gsi(vp);
        entry.type = KVM_IRQ_ROUTING_HV_SINT;
        entry.u.hv_sint.vcpu = vp; // A VP index, which partvm keeps equal to the KVM vCPU index.
        entry.u.hv_sint.sint = vmbus_sint;
        routes.push_back(entry);
    }
    return routes;
}

} // namespace vmm::hyperv
