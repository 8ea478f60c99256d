// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/synic.h"
#include "vmm/base/log.h"
#include "vmm/kvm/vcpu_fd.h"

#include <linux/kvm.h>

namespace vmm::hyperv {

Result<void> enable_synic(VcpuFd& vcpu)
{
    // SYNIC2 (unlike SYNIC) leaves SIMP/SIEFP alone on enable; Linux zeroes them itself.
    return vcpu.enable_cap(KVM_CAP_HYPERV_SYNIC2);
}

void handle_hyperv_exit(kvm_run& run, SynicState& state)
{
    switch (run.hyperv.type) {
    case KVM_EXIT_HYPERV_SYNIC:
        state.control = run.hyperv.u.synic.control;
        state.message_page = run.hyperv.u.synic.msg_page;
        state.event_flags_page = run.hyperv.u.synic.evt_page;
        LOG_DEBUG("synic: control={:#x} simp={:#x} siefp={:#x}", state.control, state.message_page,
            state.event_flags_page);
        break;
    case KVM_EXIT_HYPERV_HCALL: {
        const auto code = static_cast<uint16_t>(run.hyperv.u.hcall.input & 0xffff);
        const bool is_message = code == HVCALL_POST_MESSAGE || code == HVCALL_SIGNAL_EVENT;
        run.hyperv.u.hcall.result
            = is_message ? HV_STATUS_INVALID_CONNECTION_ID : HV_STATUS_INVALID_HYPERCALL_CODE;
        LOG_DEBUG("hypercall {:#x} refused", code);
        break;
    }
    default:
        LOG_WARN("unknown KVM_EXIT_HYPERV type {}", run.hyperv.type);
        break;
    }
}

} // namespace vmm::hyperv
