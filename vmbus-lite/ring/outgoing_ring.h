// SPDX-License-Identifier: Apache-2.0
// Producer side of a ring the guest reads (its inbound ring; the producer rules of
// docs/vmbus.md#signalling-rules).
#pragma once
#include "base/result.h"
#include "vmbus-lite/ring/packet.h"
#include "vmbus-lite/ring/ring_memory.h"

namespace vmbus {

/// Lives on the event thread; not thread-safe.
class OutgoingRing {
public:
    explicit OutgoingRing(RingMemory& memory);

    /// Writes one packet: `descriptor` (its len8 and offset8 are computed here) followed by
    /// `payload`, padded to 8 bytes, and the trailer. Returns whether the guest must be signalled
    /// (it was reading an empty ring and has not masked interrupts). RingError::Full when there is
    /// no room yet: pending_send_sz is then set so the guest signals once it frees space.
    [[nodiscard]] vmm::Result<bool, RingError> write(
        PacketDescriptor descriptor, std::span<const std::byte> payload);

private:
    RingMemory& m_memory;
    uint32_t m_write_index; // Ours alone; the control page gets a copy after each packet.
};

} // namespace vmbus
