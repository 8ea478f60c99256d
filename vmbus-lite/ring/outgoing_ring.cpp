// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/ring/outgoing_ring.h"

#include <atomic>

namespace vmbus {

OutgoingRing::OutgoingRing(RingMemory& memory)
    : m_memory(memory)
    , m_write_index(memory.load(RingControl::WriteIndex) % memory.data_size() & ~7u)
{
}

vmm::Result<bool, RingError> OutgoingRing::write(
    PacketDescriptor descriptor, std::span<const std::byte> payload)
{
    const uint32_t size = m_memory.data_size();
    const uint64_t padded = (sizeof(PacketDescriptor) + payload.size() + 7) & ~uint64_t(7);
    if (padded / 8 > UINT16_MAX || padded + packet_trailer_size >= size) {
        return vmm::unexpected(RingError::TooLarge);
    }
    const uint32_t needed = static_cast<uint32_t>(padded + packet_trailer_size);
    auto free_space = [&](uint32_t read) {
        return m_write_index >= read ? size - (m_write_index - read) : read - m_write_index;
    };
    uint32_t read = m_memory.load(RingControl::ReadIndex);
    if (read >= size || read % 8 != 0) {
        return vmm::unexpected(RingError::BadIndices);
    }
    // Never fill the ring completely: equal indices mean empty.
    if (free_space(read) <= needed) {
        // Ask to be signalled, then look again: a guest that read everything between our first
        // look and the store would otherwise never signal (it checks pending_send_sz after
        // publishing its read index).
        m_memory.store(RingControl::PendingSendSize, needed);
        std::atomic_thread_fence(std::memory_order_seq_cst);
        read = m_memory.load(RingControl::ReadIndex);
        if (read >= size || read % 8 != 0) {
            return vmm::unexpected(RingError::BadIndices);
        }
        if (free_space(read) <= needed) {
            return vmm::unexpected(RingError::Full);
        }
    }
    if (m_memory.load(RingControl::PendingSendSize) != 0) {
        m_memory.store(RingControl::PendingSendSize, 0); // Room again: no wake-up needed.
    }
    descriptor.offset8 = sizeof(PacketDescriptor) / 8;
    descriptor.len8 = static_cast<uint16_t>(padded / 8);

    const uint32_t old_write = m_write_index;
    uint32_t at = old_write;
    auto put = [&](std::span<const std::byte> bytes) {
        m_memory.write_wrapped(at, bytes);
        at = static_cast<uint32_t>((at + bytes.size()) % size);
    };
    put(std::as_bytes(std::span(&descriptor, 1)));
    put(payload);
    static constexpr std::byte zeros[8] = {};
    put(std::span(zeros, padded - sizeof(PacketDescriptor) - payload.size()));
    const uint64_t trailer = uint64_t(old_write) << 32;
    put(std::as_bytes(std::span(&trailer, 1)));

    m_write_index = at;
    m_memory.store(RingControl::PendingSendSize, 0);
    std::atomic_thread_fence(std::memory_order_seq_cst); // Packet bytes before the index.
    m_memory.store(RingControl::WriteIndex, m_write_index);
    std::atomic_thread_fence(std::memory_order_seq_cst); // Index before reading the guest's mask.
    // Signal only on empty -> non-empty, and only when the guest has not masked interrupts.
    return m_memory.load(RingControl::InterruptMask) == 0
        && m_memory.load(RingControl::ReadIndex) == old_write;
}

} // namespace vmbus
