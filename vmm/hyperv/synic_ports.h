// SPDX-License-Identifier: Apache-2.0
// The host's end of every VP's SynIC (docs/vmbus.md#synic-messages, docs/vmbus.md#channel-signals):
// posts messages into the guest's SIMP slot 2, sets event flags in its SIEFP slot 2, and asserts
// SINT 2 through an irqfd on a KVM_IRQ_ROUTING_HV_SINT route. One per VM.
//
// Threads: record_synic() runs on the vCPU threads; post_message(), signal_event() and the
// resample calls on one thread (the VMBus event thread). signal_event() is safe from any thread;
// post_message() for one VP must not run on two threads at once (the slot has one writer).
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"
#include "guestmem/guest_memory.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace vmm {
class VmFd;
}

namespace vmm::hyperv {

enum class PostResult {
    Delivered, ///< In the slot, SINT 2 asserted.
    Busy, ///< The guest still holds the previous message: retry when resample_fd(vp) fires.
    NotReady, ///< SynIC or SIMP disabled, or the page outside RAM: drop or keep queued.
};

class SynicPorts {
public:
    /// Creates the eventfds, installs the GSI routing table (KVM's defaults plus one SINT 2 route
    /// per VP) and attaches an irqfd with a resamplefd to each SINT route. Call after every vCPU
    /// has SynIC enabled: KVM binds a SINT route to its vCPU's SynIC only when the routing table
    /// is set (kvm_hv_irq_routing_update skips vCPUs without an active SynIC), and an unbound
    /// route never signals its resamplefd.
    static Result<SynicPorts> create(VmFd& vm, GuestMemory& memory, uint32_t vcpu_count);
    /// The same with eventfds no KVM reads, for tests and fuzzers: interrupt_fd() counts the
    /// SINT assertions.
    static Result<SynicPorts> create_detached(GuestMemory& memory, uint32_t vcpu_count);

    SynicPorts(SynicPorts&&) noexcept = default;
    SynicPorts& operator=(SynicPorts&&) noexcept = default;

    /// Records what the guest wrote to SCONTROL, SIMP and SIEFP (KVM_EXIT_HYPERV_SYNIC).
    void record_synic(uint32_t vp, uint64_t control, uint64_t simp, uint64_t siefp);

    /// Posts one message (type != 0, at most 240 bytes) into VP `vp`'s SIMP slot 2.
    PostResult post_message(uint32_t vp, uint32_t message_type, std::span<const std::byte> payload);
    /// Sets event flag `relid` (< 2048) in VP `vp`'s SIEFP slot 2 and asserts SINT 2 if the flag
    /// was clear. False when the flag could not be set (SynIC or SIEFP disabled, page outside RAM,
    /// bad vp or relid).
    bool signal_event(uint32_t vp, uint32_t relid);

    /// Readable when the guest acknowledged VP `vp`'s SINT 2 (EOI of its vector, or an EOM write):
    /// the moment to retry a Busy post. -1 for a bad vp.
    int resample_fd(uint32_t vp) const;
    /// Clears resample_fd(vp); true if it had fired.
    bool consume_resample(uint32_t vp);
    /// The irqfd that asserts VP `vp`'s SINT 2. -1 for a bad vp.
    int interrupt_fd(uint32_t vp) const;
    uint32_t vcpu_count() const { return m_vcpu_count; }

private:
    struct Port {
        UniqueFd interrupt; // irqfd on the VP's SINT route.
        UniqueFd resample; // KVM signals it when the guest acknowledges the SINT.
        // As the guest last wrote them. SCONTROL starts disabled (the TLFS reset value, though
        // KVM starts it enabled): Linux enables it last, after unmasking SINT 2.
        std::atomic<uint64_t> control { 0 };
        std::atomic<uint64_t> simp { 0 };
        std::atomic<uint64_t> siefp { 0 };
    };

    SynicPorts(GuestMemory& memory, std::unique_ptr<Port[]> ports, uint32_t vcpu_count)
        : m_memory(&memory)
        , m_ports(std::move(ports))
        , m_vcpu_count(vcpu_count)
    {
    }
    /// Slot 2 of the page `msr` selects in `vp`'s SynIC, or nullptr if unusable.
    std::byte* slot(const Port& port, const std::atomic<uint64_t>& page_msr) const;
    void assert_sint(uint32_t vp);

    GuestMemory* m_memory;
    std::unique_ptr<Port[]> m_ports;
    uint32_t m_vcpu_count;
};

} // namespace vmm::hyperv
