// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/synic.h"
#include "base/log.h"
#include "vmm/hyperv/hypercalls.h"
#include "vmm/hyperv/synic_ports.h"
#include "vmm/kvm/vcpu_fd.h"

#include <linux/kvm.h>

namespace vmm::hyperv {

Result<void> enable_synic(VcpuFd& vcpu)
{
    // SYNIC2 (unlike SYNIC) leaves SIMP/SIEFP alone on enable; Linux zeroes them itself.
    return vcpu.enable_cap(KVM_CAP_HYPERV_SYNIC2);
}

void handle_hyperv_exit(kvm_run& run, uint32_t vp_index, const GuestMemory& memory,
    SynicPorts* ports, HypercallHandler* handler)
{
    switch (run.hyperv.type) {
    case KVM_EXIT_HYPERV_SYNIC: {
        const auto& synic = run.hyperv.u.synic;
        LOG_DEBUG("synic: VP {} msr {:#x}: control={:#x} simp={:#x} siefp={:#x}", vp_index,
            synic.msr, synic.control, synic.msg_page, synic.evt_page);
        if (ports) {
            ports->record_synic(vp_index, synic.control, synic.msg_page, synic.evt_page);
        }
        break;
    }
    case KVM_EXIT_HYPERV_HCALL: {
        auto& hcall = run.hyperv.u.hcall;
        const uint16_t status
            = handle_hypercall(hcall.input, hcall.params[0], vp_index, memory, handler);
        hcall.result = status;
        if (status != HV_STATUS_SUCCESS) {
            LOG_DEBUG(
                "hypercall {:#x} on VP {}: status {}", hcall.input & 0xffff, vp_index, status);
        }
        break;
    }
    default:
        LOG_WARN("unknown KVM_EXIT_HYPERV type {}", run.hyperv.type);
        break;
    }
}

} // namespace vmm::hyperv
