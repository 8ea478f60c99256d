// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/ring/ring_memory.h"

#include <atomic>
#include <cstring>

namespace vmbus {

void RingMemory::read_wrapped(uint32_t offset, std::span<std::byte> out) const
{
    const uint32_t first
        = std::min<uint32_t>(static_cast<uint32_t>(out.size()), data_size() - offset);
    copy_out(offset, out.first(first));
    if (first < out.size()) {
        copy_out(0, out.subspan(first));
    }
}

void RingMemory::write_wrapped(uint32_t offset, std::span<const std::byte> in)
{
    const uint32_t first
        = std::min<uint32_t>(static_cast<uint32_t>(in.size()), data_size() - offset);
    copy_in(offset, in.first(first));
    if (first < in.size()) {
        copy_in(0, in.subspan(first));
    }
}

FlatRingMemory::FlatRingMemory(uint32_t data_size)
    : m_data_size(data_size)
    , m_words((ring_control_size + data_size + 3) / 4)
{
}

uint32_t FlatRingMemory::load(RingControl field) const
{
    auto& word = const_cast<uint32_t&>(m_words[static_cast<uint32_t>(field) / 4]);
    return std::atomic_ref<uint32_t>(word).load(std::memory_order_acquire);
}

void FlatRingMemory::store(RingControl field, uint32_t value)
{
    std::atomic_ref<uint32_t>(m_words[static_cast<uint32_t>(field) / 4])
        .store(value, std::memory_order_release);
}

void FlatRingMemory::copy_out(uint32_t offset, std::span<std::byte> out) const
{
    if (out.empty()) {
        return; // memcpy from or to a null span pointer is undefined even for zero bytes.
    }
    // SAFETY: callers keep [offset, offset + size) inside the data area, which the vector holds.
    std::memcpy(out.data(),
        reinterpret_cast<const std::byte*>(m_words.data()) + ring_control_size + offset,
        out.size());
}

void FlatRingMemory::copy_in(uint32_t offset, std::span<const std::byte> in)
{
    if (in.empty()) {
        return;
    }
    // SAFETY: as in copy_out().
    std::memcpy(reinterpret_cast<std::byte*>(m_words.data()) + ring_control_size + offset,
        in.data(), in.size());
}

} // namespace vmbus
