// SPDX-License-Identifier: Apache-2.0
#include "vmm/vcpu/exit_dispatch.h"
#include "base/log.h"
#include "vmm/hyperv/synic.h"

#include <algorithm>
#include <linux/kvm.h>
#include <span>

namespace vmm {

namespace {

void dispatch_io(kvm_run& run, IoBus& bus)
{
    const size_t length = size_t(run.io.size) * run.io.count;
    // SAFETY: KVM places the data inside the kvm_run mapping at data_offset; size is 1, 2 or 4.
    auto* data = reinterpret_cast<uint8_t*>(&run) + run.io.data_offset;
    for (size_t done = 0; done < length; done += run.io.size) {
        std::span<uint8_t> chunk(data + done, run.io.size);
        if (run.io.direction == KVM_EXIT_IO_OUT) {
            bus.write(run.io.port, chunk);
        } else {
            bus.read(run.io.port, chunk);
        }
    }
}

ExitAction stop(StopSink& sink, StopReason reason)
{
    sink.request_stop(reason);
    return ExitAction::Stop;
}

} // namespace

ExitAction dispatch_exit(kvm_run& run, const ExitTargets& targets)
{
    switch (run.exit_reason) {
    case KVM_EXIT_IO:
        dispatch_io(run, targets.bus);
        return ExitAction::Continue;
    case KVM_EXIT_MMIO:
        // Nothing lives in MMIO space outside the in-kernel irqchip: reads see all-ones.
        if (!run.mmio.is_write) {
            std::fill(std::begin(run.mmio.data), std::end(run.mmio.data), uint8_t(0xff));
        }
        return ExitAction::Continue;
    case KVM_EXIT_HYPERV:
        hyperv::handle_hyperv_exit(
            run, targets.vp_index, targets.memory, targets.ports, targets.handler);
        return ExitAction::Continue;
    case KVM_EXIT_INTR:
        return ExitAction::Continue;
    case KVM_EXIT_SHUTDOWN:
        // A triple fault: what Linux's last-resort reboot does, and what a guest that broke its
        // own CPU state ends in. Said, so a "reboot" that was neither can be told apart.
        LOG_WARN("vCPU {}: triple fault; the guest is treated as rebooting", targets.vp_index);
        return stop(targets.stop, StopReason::Reset);
    case KVM_EXIT_SYSTEM_EVENT:
        switch (run.system_event.type) {
        case KVM_SYSTEM_EVENT_SHUTDOWN:
            return stop(targets.stop, StopReason::PowerOff);
        case KVM_SYSTEM_EVENT_RESET:
            return stop(targets.stop, StopReason::Reset);
        case KVM_SYSTEM_EVENT_CRASH:
            return stop(targets.stop, StopReason::Crash);
        default:
            return ExitAction::Continue;
        }
    case KVM_EXIT_FAIL_ENTRY:
        LOG_ERROR("vCPU {}: VM entry failed (reason {:#x})", targets.vp_index,
            run.fail_entry.hardware_entry_failure_reason);
        return stop(targets.stop, StopReason::Failure);
    case KVM_EXIT_INTERNAL_ERROR:
        LOG_ERROR(
            "vCPU {}: KVM internal error (suberror {})", targets.vp_index, run.internal.suberror);
        return stop(targets.stop, StopReason::Failure);
    default:
        // HLT among them: the in-kernel LAPIC handles it, so one reaching us is unexpected.
        LOG_ERROR("vCPU {}: unexpected KVM exit reason {}", targets.vp_index, run.exit_reason);
        return stop(targets.stop, StopReason::Failure);
    }
}

} // namespace vmm
