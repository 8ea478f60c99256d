// SPDX-License-Identifier: Apache-2.0
// Consumer side of a ring the guest writes (its outbound ring; the consumer rules of
// docs/vmbus.md#signalling-rules).
#pragma once
#include "base/result.h"
#include "vmbus-lite/ring/packet.h"
#include "vmbus-lite/ring/ring_memory.h"

namespace vmbus {

/// Lives on the event thread; not thread-safe.
class IncomingRing {
public:
    /// Takes the read index the guest left in the control page, validated by the first read().
    explicit IncomingRing(RingMemory& memory);

    /// Copies the next packet and validates its descriptor against the write index. The read is
    /// not published until commit_read(). RingError::Empty when nothing is pending; any other
    /// error means the guest corrupted the ring, and the channel should be closed.
    [[nodiscard]] vmm::Result<Packet, RingError> read();

    /// Publishes the read index. Returns true if the guest asked to be signalled (pending_send_sz)
    /// and this read freed enough space for it.
    bool commit_read();

private:
    uint32_t used(uint32_t write, uint32_t read) const;

    RingMemory& m_memory;
    uint32_t m_read_index; // Local copy: the guest-visible index changes only in commit_read().
    uint32_t m_published_index; // What the guest last saw.
};

} // namespace vmbus
