// SPDX-License-Identifier: Apache-2.0
// The KVM ioctls partvm makes once the guest runs, named for the seccomp allowlists (vmm/sandbox),
// which may not include <linux/kvm.h> themselves.
#pragma once
#include <linux/kvm.h>

namespace vmm::kvm_ioctl {

inline constexpr unsigned long run = KVM_RUN;
inline constexpr unsigned long irq_line = KVM_IRQ_LINE;
inline constexpr unsigned long get_regs = KVM_GET_REGS;
inline constexpr unsigned long irqfd = KVM_IRQFD;
inline constexpr unsigned long hyperv_eventfd = KVM_HYPERV_EVENTFD;

} // namespace vmm::kvm_ioctl
