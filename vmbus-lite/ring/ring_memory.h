// SPDX-License-Identifier: Apache-2.0
// The memory of one VMBus ring (docs/vmbus.md#layout): a 4 KiB control page shared with the
// guest, then the data area. Implementations copy; nothing hands out pointers into guest memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vmbus {

/// The control-page fields partvm touches, by byte offset (struct hv_ring_buffer).
enum class RingControl : uint32_t {
    WriteIndex = 0, ///< Owned by the producer.
    ReadIndex = 4, ///< Owned by the consumer.
    InterruptMask = 8, ///< Set by the consumer: "do not signal me".
    PendingSendSize = 12, ///< Set by a blocked producer: "signal me when this much is free".
    FeatureBits = 64, ///< Bit 0: pending_send_sz is supported.
};

constexpr uint32_t ring_control_size = 4096;

class RingMemory {
public:
    virtual ~RingMemory() = default;
    /// Bytes in the data area: the ring size less the control page. Fixed for the ring's life.
    virtual uint32_t data_size() const = 0;
    /// Atomic 32-bit load with acquire ordering (the guest writes these concurrently).
    virtual uint32_t load(RingControl field) const = 0;
    /// Atomic 32-bit store with release ordering.
    virtual void store(RingControl field, uint32_t value) = 0;
    /// Copies data-area bytes [offset, offset + out.size()), which the caller keeps inside the
    /// area.
    virtual void copy_out(uint32_t offset, std::span<std::byte> out) const = 0;
    /// Copies `in` to data-area bytes [offset, offset + in.size()), inside the area.
    virtual void copy_in(uint32_t offset, std::span<const std::byte> in) = 0;

    /// Reads `out.size()` bytes starting at `offset`, wrapping at the end of the data area.
    /// Precondition: offset < data_size() and out.size() <= data_size().
    void read_wrapped(uint32_t offset, std::span<std::byte> out) const;
    /// Writes `in` starting at `offset`, wrapping. Same preconditions.
    void write_wrapped(uint32_t offset, std::span<const std::byte> in);
};

/// A ring in ordinary memory: the twin unit tests and fuzzers use.
class FlatRingMemory final : public RingMemory {
public:
    explicit FlatRingMemory(uint32_t data_size);

    uint32_t data_size() const override { return m_data_size; }
    uint32_t load(RingControl field) const override;
    void store(RingControl field, uint32_t value) override;
    void copy_out(uint32_t offset, std::span<std::byte> out) const override;
    void copy_in(uint32_t offset, std::span<const std::byte> in) override;

private:
    uint32_t m_data_size;
    std::vector<uint32_t> m_words; // Control page then data, as 32-bit words for aligned atomics.
};

} // namespace vmbus
