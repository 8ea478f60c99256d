// SPDX-License-Identifier: Apache-2.0
// The GSI routing table partvm installs: KVM_SET_GSI_ROUTING replaces the whole table, so it holds
// KVM's default in-kernel irqchip routes (the serial console's GSI 4 among them) plus one
// KVM_IRQ_ROUTING_HV_SINT route per VP, above the IOAPIC's 24 pins.
#pragma once
#include <cstdint>
#include <linux/kvm.h>
#include <vector>

namespace vmm::hyperv {

constexpr uint32_t first_sint_gsi = 24;

/// The GSI whose route asserts SINT 2 on VP `vp`.
constexpr uint32_t sint_gsi(uint32_t vp)
{
    return first_sint_gsi + vp;
}

/// What kvm_setup_default_irq_routing (arch/x86/kvm/irq_comm.c) installs with
/// KVM_CREATE_IRQCHIP: GSIs 0-15 to IOAPIC pin n and to PIC master/slave pin n % 8, GSIs 16-23 to
/// IOAPIC pin n only.
std::vector<kvm_irq_routing_entry> default_irqchip_routes();

/// The default routes followed by {gsi = sint_gsi(vp), HV_SINT {vcpu = vp, sint = 2}} for every VP.
std::vector<kvm_irq_routing_entry> routes_with_vmbus_sints(uint32_t vcpu_count);

} // namespace vmm::hyperv
