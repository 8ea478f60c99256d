// SPDX-License-Identifier: Apache-2.0
// The growable byte buffer every ACPI table and AML term is built in, and the helpers that append
// to it. Everything is little-endian, as ACPI requires (ACPI 6.5 §5.2).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace vmm::acpi {

using Bytes = std::vector<std::byte>;

inline void append(Bytes& out, std::span<const std::byte> in)
{
    out.insert(out.end(), in.begin(), in.end());
}

inline void append_u8(Bytes& out, uint8_t value)
{
    out.push_back(std::byte { value });
}

/// Appends the object representation of `value`: an integer in little-endian order (x86-64 is
/// little-endian) or a wire struct whose layout is pinned by static_asserts.
template<class T>
requires std::is_trivially_copyable_v<T>
void append_le(Bytes& out, const T& value)
{
    // resize + memcpy rather than insert: GCC 12 misreports insert of a large struct at -O2
    // (-Wstringop-overflow false positive).
    const size_t offset = out.size();
    out.resize(offset + sizeof(T));
    // SAFETY: the resize made room for exactly sizeof(T) bytes at offset.
    std::memcpy(out.data() + offset, &value, sizeof(T));
}

/// The 8-bit sum of `bytes`. An ACPI table is valid when this is zero over its whole length.
inline uint8_t byte_sum(std::span<const std::byte> bytes)
{
    uint8_t sum = 0;
    for (std::byte b : bytes) {
        sum = static_cast<uint8_t>(sum + std::to_integer<uint8_t>(b));
    }
    return sum;
}

/// The checksum byte that makes `bytes` plus that byte sum to zero.
inline uint8_t checksum_for(std::span<const std::byte> bytes)
{
    return static_cast<uint8_t>(0x100 - byte_sum(bytes));
}

} // namespace vmm::acpi
