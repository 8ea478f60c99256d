// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the vmm/acpi unit tests: hex rendering (readable doctest failures), byte
// search, and little-endian field reads at spec offsets. Test-only; not part of partvm_acpi.
#pragma once
#include "base/bytes.h"
#include "vmm/acpi/byte_buffer.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>

namespace vmm::acpi::test {

/// "0a 05": lower-case hex bytes separated by single spaces.
inline std::string hex(std::span<const std::byte> bytes)
{
    std::string out;
    for (std::byte b : bytes) {
        char digits[4];
        std::snprintf(digits, sizeof(digits), "%02x", std::to_integer<unsigned>(b));
        if (!out.empty()) {
            out += ' ';
        }
        out += digits;
    }
    return out;
}

/// Parses "0a 05" back into bytes, so expectations can be written as hex strings.
inline Bytes from_hex(std::string_view text)
{
    Bytes out;
    for (size_t i = 0; i < text.size(); i += 3) {
        out.push_back(std::byte(std::stoul(std::string(text.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

/// Offset of the first occurrence of `needle` in `haystack`, or npos.
inline size_t find(std::span<const std::byte> haystack, std::span<const std::byte> needle)
{
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end());
    return it == haystack.end() ? std::string_view::npos : size_t(it - haystack.begin());
}

/// The ASCII text of bytes [offset, offset + length), for signatures and OEM ids.
inline std::string text_at(std::span<const std::byte> bytes, size_t offset, size_t length)
{
    std::string out(length, '\0');
    for (size_t i = 0; i < length; ++i) {
        out[i] = static_cast<char>(bytes[offset + i]);
    }
    return out;
}

inline bool all_zero(std::span<const std::byte> bytes)
{
    return std::ranges::all_of(bytes, [](std::byte b) { return b == std::byte { 0 }; });
}

inline uint8_t u8_at(std::span<const std::byte> bytes, size_t offset)
{
    return std::to_integer<uint8_t>(bytes[offset]);
}

inline uint16_t u16_at(std::span<const std::byte> bytes, size_t offset)
{
    return load_le<uint16_t>(bytes, offset);
}

inline uint32_t u32_at(std::span<const std::byte> bytes, size_t offset)
{
    return load_le<uint32_t>(bytes, offset);
}

inline uint64_t u64_at(std::span<const std::byte> bytes, size_t offset)
{
    return load_le<uint64_t>(bytes, offset);
}

} // namespace vmm::acpi::test
