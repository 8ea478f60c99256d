// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/ring/incoming_ring.h"

#include <atomic>
#include <cstring>

namespace vmbus {

IncomingRing::IncomingRing(RingMemory& memory)
    : m_memory(memory)
    , m_read_index(memory.load(RingControl::ReadIndex))
    , m_published_index(m_read_index)
{
}

uint32_t IncomingRing::used(uint32_t write, uint32_t read) const
{
    return write >= read ? write - read : m_memory.data_size() - read + write;
}

vmm::Result<Packet, RingError> IncomingRing::read()
{
    const uint32_t size = m_memory.data_size();
    // The guest owns write_index and may write anything there: check it before any use.
    const uint32_t write = m_memory.load(RingControl::WriteIndex);
    if (write >= size || write % 8 != 0 || m_read_index >= size || m_read_index % 8 != 0) {
        return vmm::unexpected(RingError::BadIndices);
    }
    const uint32_t available = used(write, m_read_index);
    if (available == 0) {
        return vmm::unexpected(RingError::Empty);
    }
    if (available < sizeof(PacketDescriptor) + packet_trailer_size) {
        return vmm::unexpected(RingError::BadDescriptor);
    }
    Packet packet;
    m_memory.read_wrapped(m_read_index, std::as_writable_bytes(std::span(&packet.descriptor, 1)));
    const uint32_t length = uint32_t(packet.descriptor.len8) * 8;
    const uint32_t offset = uint32_t(packet.descriptor.offset8) * 8;
    if (length < sizeof(PacketDescriptor) || offset < sizeof(PacketDescriptor) || offset > length
        || length > available - packet_trailer_size) {
        return vmm::unexpected(RingError::BadDescriptor);
    }
    // Copy the whole packet; everything after this reads the copy, never the ring. The guest may
    // have rewritten the descriptor since it was validated, so the copy gets the validated one.
    packet.bytes.resize(length);
    m_memory.read_wrapped(m_read_index, packet.bytes);
    std::memcpy(packet.bytes.data(), &packet.descriptor, sizeof(packet.descriptor));
    m_read_index = (m_read_index + length + packet_trailer_size) % size;
    return packet;
}

bool IncomingRing::commit_read()
{
    if (m_read_index == m_published_index) {
        return false;
    }
    const uint32_t size = m_memory.data_size();
    const uint32_t write = m_memory.load(RingControl::WriteIndex) % size;
    const uint32_t free_before = size - used(write, m_published_index);
    m_memory.store(RingControl::ReadIndex, m_read_index);
    m_published_index = m_read_index;
    // The store of read_index must be visible before pending_send_sz is read, or a guest that
    // sets it concurrently could wait forever (consumer rule 2, docs/vmbus.md#signalling-rules).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    const uint32_t pending = m_memory.load(RingControl::PendingSendSize) & ~7u;
    if (pending == 0) {
        return false;
    }
    const uint32_t free_after = size - used(write, m_read_index);
    return free_before < pending && free_after >= pending;
}

} // namespace vmbus
