// SPDX-License-Identifier: Apache-2.0
// SCSI is big-endian on the wire (SPC-4): loads from CDBs and parameter lists, stores into
// response data. base/bytes.h covers the little-endian VMBus side.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace vmbus::scsi {

/// Reads `width` bytes (1..8) at `offset` as a big-endian number; the caller checks the bounds.
inline uint64_t load_be(std::span<const std::byte> bytes, size_t offset, size_t width)
{
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i) {
        value = (value << 8) | static_cast<uint8_t>(bytes[offset + i]);
    }
    return value;
}

/// Writes the low `width` bytes (1..8) of `value` big-endian at `offset`; the caller checks bounds.
inline void store_be(std::span<std::byte> bytes, size_t offset, size_t width, uint64_t value)
{
    for (size_t i = 0; i < width; ++i) {
        bytes[offset + width - 1 - i] = std::byte(value & 0xff);
        value >>= 8;
    }
}

} // namespace vmbus::scsi
