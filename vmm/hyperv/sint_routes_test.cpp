// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/sint_routes.h"

#include <doctest/doctest.h>

using namespace vmm::hyperv;

namespace {

std::vector<kvm_irq_routing_entry> routes_for(
    const std::vector<kvm_irq_routing_entry>& table, uint32_t gsi)
{
    std::vector<kvm_irq_routing_entry> found;
    for (const auto& entry : table) {
        if (entry.gsi == gsi) {
            found.push_back(entry);
        }
    }
    return found;
}

} // namespace

TEST_CASE("the default routes match KVM's: 16 PIC+IOAPIC GSIs, 8 IOAPIC-only")
{
    auto routes = default_irqchip_routes();
    CHECK(routes.size() == 16 * 2 + 8);
    for (const auto& entry : routes) {
        CHECK(entry.type == KVM_IRQ_ROUTING_IRQCHIP);
        CHECK(entry.flags == 0);
        CHECK(entry.gsi < 24);
    }
    // The serial console's GSI 4 still reaches IOAPIC pin 4 (and the masked master PIC).
    auto com1 = routes_for(routes, 4);
    REQUIRE(com1.size() == 2);
    CHECK(com1[0].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC);
    CHECK(com1[0].u.irqchip.pin == 4);
    CHECK(com1[1].u.irqchip.irqchip == KVM_IRQCHIP_PIC_MASTER);
    CHECK(com1[1].u.irqchip.pin == 4);
    auto rtc = routes_for(routes, 8);
    REQUIRE(rtc.size() == 2);
    CHECK(rtc[1].u.irqchip.irqchip == KVM_IRQCHIP_PIC_SLAVE);
    CHECK(rtc[1].u.irqchip.pin == 0);
    auto sci = routes_for(routes, 9);
    REQUIRE(sci.size() == 2);
    CHECK(sci[0].u.irqchip.pin == 9);
    CHECK(sci[1].u.irqchip.pin == 1);
    auto high = routes_for(routes, 23);
    REQUIRE(high.size() == 1);
    CHECK(high[0].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC);
    CHECK(high[0].u.irqchip.pin == 23);
}

TEST_CASE("every VP gets one SINT 2 route above the IOAPIC pins")
{
    auto routes = routes_with_vmbus_sints(3);
    CHECK(routes.size() == 40 + 3);
    for (uint32_t vp = 0; vp < 3; ++vp) {
        auto sint = routes_for(routes, sint_gsi(vp));
        REQUIRE(sint.size() == 1);
        CHECK(sint[0].gsi == 24 + vp);
        CHECK(sint[0].type == KVM_IRQ_ROUTING_HV_SINT);
        CHECK(sint[0].flags == 0);
        CHECK(sint[0].u.hv_sint.vcpu == vp);
        CHECK(sint[0].u.hv_sint.sint == 2);
    }
    CHECK(routes_for(routes, 4).size() == 2);
}
