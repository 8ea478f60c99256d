// SPDX-License-Identifier: Apache-2.0
// AML terms: data objects, names and the named objects (Scope, Device, Method) of ACPI 6.5 §20.2.
#include "vmm/acpi/aml.h"

#include "base/check.h"

namespace vmm::acpi::aml {
namespace {

bool is_lead_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_name_char(char c)
{
    return is_lead_name_char(c) || (c >= '0' && c <= '9');
}

void append_name_seg(Bytes& out, std::string_view segment)
{
    CHECK(!segment.empty() && segment.size() <= 4);
    CHECK(is_lead_name_char(segment[0]));
    for (char c : segment) {
        CHECK(is_name_char(c));
        append_u8(out, static_cast<uint8_t>(c));
    }
    // NameSegs are always four characters; ASL pads short names with '_'.
    for (size_t i = segment.size(); i < 4; ++i) {
        append_u8(out, '_');
    }
}

/// Encodes `opcode_bytes PkgLength body`, the shape shared by every variable-length term.
Bytes with_pkg_length(std::initializer_list<uint8_t> opcode_bytes, const Bytes& body)
{
    Bytes out;
    for (uint8_t op : opcode_bytes) {
        append_u8(out, op);
    }
    append(out, pkg_length(body.size()));
    append(out, body);
    return out;
}

Bytes concat(const std::vector<Bytes>& terms)
{
    Bytes out;
    for (const Bytes& term : terms) {
        append(out, term);
    }
    return out;
}

} // namespace

Bytes pkg_length(size_t body_size)
{
    // The encoded length includes the PkgLength's own bytes, so the byte count must be chosen
    // before the value is known: try the smallest encoding first.
    if (body_size + 1 <= 0x3f) {
        return { std::byte(body_size + 1) };
    }
    size_t extra_bytes = 1;
    while (
        extra_bytes < 3 && body_size + 1 + extra_bytes > (size_t(1) << (4 + 8 * extra_bytes)) - 1) {
        ++extra_bytes;
    }
    size_t total = body_size + 1 + extra_bytes;
    CHECK(total <= max_pkg_length);
    // Lead byte: bits 7-6 count the following bytes, bits 3-0 hold the low nibble of the length;
    // each following byte holds the next 8 bits (§20.2.4).
    Bytes out;
    append_u8(out, static_cast<uint8_t>((extra_bytes << 6) | (total & 0x0f)));
    for (size_t i = 0; i < extra_bytes; ++i) {
        append_u8(out, static_cast<uint8_t>(total >> (4 + 8 * i)));
    }
    return out;
}

Bytes name_string(std::string_view path)
{
    Bytes out;
    if (!path.empty() && path.front() == '\\') {
        append_u8(out, RootChar);
        path.remove_prefix(1);
    }
    while (!path.empty() && path.front() == '^') {
        append_u8(out, ParentPrefixChar);
        path.remove_prefix(1);
    }
    std::vector<std::string_view> segments;
    while (!path.empty()) {
        size_t dot = path.find('.');
        segments.push_back(path.substr(0, dot));
        path.remove_prefix(dot == std::string_view::npos ? path.size() : dot + 1);
    }
    // A bare '\' is the root scope itself: a NullName after the RootChar.
    CHECK(!segments.empty() || out.size() == 1);
    CHECK(segments.size() <= 255);
    if (segments.empty()) {
        append_u8(out, 0x00);
    } else if (segments.size() == 2) {
        append_u8(out, DualNamePrefix);
    } else if (segments.size() > 2) {
        append_u8(out, MultiNamePrefix);
        append_u8(out, static_cast<uint8_t>(segments.size()));
    }
    for (std::string_view segment : segments) {
        append_name_seg(out, segment);
    }
    return out;
}

Bytes integer(uint64_t value)
{
    Bytes out;
    if (value == 0) {
        append_u8(out, ZeroOp);
    } else if (value == 1) {
        append_u8(out, OneOp);
    } else if (value <= UINT8_MAX) {
        append_u8(out, BytePrefix);
        append_u8(out, static_cast<uint8_t>(value));
    } else if (value <= UINT16_MAX) {
        append_u8(out, WordPrefix);
        append_le(out, static_cast<uint16_t>(value));
    } else if (value <= UINT32_MAX) {
        append_u8(out, DWordPrefix);
        append_le(out, static_cast<uint32_t>(value));
    } else {
        append_u8(out, QWordPrefix);
        append_le(out, value);
    }
    return out;
}

Bytes string(std::string_view text)
{
    Bytes out;
    append_u8(out, StringPrefix);
    for (char c : text) {
        CHECK(c > 0 && static_cast<unsigned char>(c) <= 0x7f);
        append_u8(out, static_cast<uint8_t>(c));
    }
    append_u8(out, 0x00);
    return out;
}

Bytes eisa_id(std::string_view id)
{
    CHECK(id.size() == 7);
    auto hex = [](char c) -> uint32_t {
        CHECK((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
        return c <= '9' ? uint32_t(c - '0') : uint32_t(c - 'A' + 10);
    };
    uint32_t big_endian = 0;
    // Three letters of five bits each ('A' = 1), then four hex digits of the product number.
    for (size_t i = 0; i < 3; ++i) {
        CHECK(id[i] >= 'A' && id[i] <= 'Z');
        big_endian = (big_endian << 5) | uint32_t(id[i] - 'A' + 1);
    }
    for (size_t i = 3; i < 7; ++i) {
        big_endian = (big_endian << 4) | hex(id[i]);
    }
    // The id is defined as a big-endian byte string; AML stores integers little-endian.
    return integer(__builtin_bswap32(big_endian));
}

Bytes name(std::string_view path, const Bytes& object)
{
    Bytes out;
    append_u8(out, NameOp);
    append(out, name_string(path));
    append(out, object);
    return out;
}

Bytes package(const std::vector<Bytes>& elements)
{
    // More than 255 elements would need VarPackageOp, which nothing here uses.
    CHECK(elements.size() <= 255);
    Bytes body;
    append_u8(body, static_cast<uint8_t>(elements.size()));
    append(body, concat(elements));
    return with_pkg_length({ PackageOp }, body);
}

Bytes buffer(std::span<const std::byte> data)
{
    Bytes body = integer(data.size());
    append(body, data);
    return with_pkg_length({ BufferOp }, body);
}

Bytes scope(std::string_view path, const std::vector<Bytes>& terms)
{
    Bytes body = name_string(path);
    append(body, concat(terms));
    return with_pkg_length({ ScopeOp }, body);
}

Bytes device(std::string_view path, const std::vector<Bytes>& terms)
{
    Bytes body = name_string(path);
    append(body, concat(terms));
    return with_pkg_length({ ExtOpPrefix, DeviceOp }, body);
}

Bytes method(std::string_view path, uint8_t arg_count, const std::vector<Bytes>& terms)
{
    CHECK(arg_count <= 7);
    Bytes body = name_string(path);
    // MethodFlags: bits 2-0 ArgCount, bit 3 SerializeFlag (clear), bits 7-4 SyncLevel (0).
    append_u8(body, arg_count);
    append(body, concat(terms));
    return with_pkg_length({ MethodOp }, body);
}

Bytes return_value(const Bytes& value)
{
    Bytes out;
    append_u8(out, ReturnOp);
    append(out, value);
    return out;
}

} // namespace vmm::acpi::aml
