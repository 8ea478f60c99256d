// SPDX-License-Identifier: Apache-2.0
// GUIDs in the byte layout VMBus puts on the wire: Data1 (u32), Data2 and Data3 (u16)
// little-endian, then the last 8 bytes as written (Linux GUID_INIT).
#pragma once
#include "vmbus-lite/protocol/channel_messages.h"

#include <string>
#include <string_view>

namespace vmbus {

namespace detail {
consteval uint8_t hex_nibble(char c)
{
    if (c >= '0' && c <= '9') {
        return uint8_t(c - '0');
    }
    if (c >= 'a' && c <= 'f') {
        return uint8_t(c - 'a' + 10);
    }
    if (c >= 'A' && c <= 'F') {
        return uint8_t(c - 'A' + 10);
    }
    throw "GUID: not a hex digit"; // A compile error: this is consteval.
}
consteval uint8_t hex_byte(std::string_view text, size_t at)
{
    return uint8_t(hex_nibble(text[at]) << 4 | hex_nibble(text[at + 1]));
}
} // namespace detail

/// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" to wire bytes, at compile time.
consteval Guid make_guid(std::string_view text)
{
    if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-'
        || text[23] != '-') {
        throw "GUID: expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    }
    using detail::hex_byte;
    // Data1, Data2, Data3 are stored little-endian: their bytes reverse.
    return Guid { hex_byte(text, 6), hex_byte(text, 4), hex_byte(text, 2), hex_byte(text, 0),
        hex_byte(text, 11), hex_byte(text, 9), hex_byte(text, 16), hex_byte(text, 14),
        hex_byte(text, 19), hex_byte(text, 21), hex_byte(text, 24), hex_byte(text, 26),
        hex_byte(text, 28), hex_byte(text, 30), hex_byte(text, 32), hex_byte(text, 34) };
}

/// The canonical text form, for logs.
std::string to_string(const Guid& guid);

} // namespace vmbus
