// SPDX-License-Identifier: Apache-2.0
// Little-endian loads and stores on byte buffers, for wire formats and guest-visible tables.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace vmm {

template<class T>
requires std::is_trivially_copyable_v<T> T load_le(std::span<const std::byte> bytes, size_t offset)
{
    T value {};
    // SAFETY: callers check offset + sizeof(T) <= bytes.size(); x86-64 is little-endian.
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

template<class T>
requires std::is_trivially_copyable_v<T>
void store_le(std::span<std::byte> bytes, size_t offset, T value)
{
    // SAFETY: callers check offset + sizeof(T) <= bytes.size(); x86-64 is little-endian.
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

/// Views any trivially copyable object as bytes.
template<class T>
requires std::is_trivially_copyable_v<T> std::span<const std::byte> as_bytes_of(const T& object)
{
    return std::as_bytes(std::span(&object, 1));
}

} // namespace vmm
