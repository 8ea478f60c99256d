// SPDX-License-Identifier: Apache-2.0
// Where the vCPU threads hand the guest's VMBus hypercalls (docs/vmbus.md#synic-messages,
// docs/vmbus.md#channel-signals).
#pragma once
#include "vmm/hyperv/hv_status.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace vmm::hyperv {

/// Implemented by the VMBus host. Called on vCPU threads, concurrently: must be thread-safe and
/// must not block for long (the vCPU is stopped meanwhile).
class HypercallHandler {
public:
    virtual ~HypercallHandler() = default;
    /// HvPostMessage with a validated input: `connection_id` has 24 bits, `message_type` is in
    /// [1, 0x7fffffff], `payload` is a copy (at most 240 bytes) valid only during the call.
    /// Returns the hypercall status (HV_STATUS_*), e.g. INSUFFICIENT_BUFFERS when the host's queue
    /// is full.
    virtual uint16_t on_guest_post_message(uint32_t vp_index, uint32_t connection_id,
        uint32_t message_type, std::span<const std::byte> payload)
        = 0;
    /// HvSignalEvent that KVM did not complete through a KVM_HYPERV_EVENTFD: an unregistered
    /// `connection_id` (24 bits) or a non-zero `flag_number`.
    virtual uint16_t signal_event(uint32_t connection_id, uint16_t flag_number) = 0;
};

} // namespace vmm::hyperv
