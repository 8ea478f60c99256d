// SPDX-License-Identifier: Apache-2.0
// The hypercalls KVM passes to userspace (KVM_EXIT_HYPERV_HCALL): HvPostMessage and the
// HvSignalEvent calls no KVM_HYPERV_EVENTFD completed (docs/vmbus.md#synic-messages,
// docs/vmbus.md#channel-signals). Validates the guest's input and hands it to the VMBus host.
#pragma once
#include "guestmem/guest_memory.h"
#include "vmm/hyperv/hypercall_handler.h"

#include <cstdint>

namespace vmm::hyperv {

/// Answers one hypercall and returns its status. `control` is the hypercall input value (code in
/// bits 0-15, fast bit 16); `param0` is what KVM put in params[0]: the input page's GPA for
/// HvPostMessage, and for HvSignalEvent the input value itself, which KVM has already read from
/// memory for the slow form. Without a handler every message and event is refused with
/// HV_STATUS_INVALID_CONNECTION_ID, which makes Linux give up on VMBus at INITIATE_CONTACT.
uint16_t handle_hypercall(uint64_t control, uint64_t param0, uint32_t vp_index,
    const GuestMemory& memory, HypercallHandler* handler);

} // namespace vmm::hyperv
