// SPDX-License-Identifier: Apache-2.0
// Little-endian field writers and a bounds-checked field reader for the codec. Internal to
// agent/protocol.
#pragma once
#include "base/bytes.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace agent::protocol::wire {

class Writer {
public:
    explicit Writer(std::vector<std::byte>& out)
        : m_out(out)
    {
    }

    template<class T> void put(T value)
    {
        const size_t at = m_out.size();
        m_out.resize(at + sizeof(T));
        vmm::store_le<T>(m_out, at, value);
    }
    void put_bytes(std::span<const std::byte> bytes)
    {
        m_out.insert(m_out.end(), bytes.begin(), bytes.end());
    }
    /// u32 length, then the bytes.
    void put_string(std::string_view text)
    {
        put<uint32_t>(static_cast<uint32_t>(text.size()));
        put_bytes(std::as_bytes(std::span(text.data(), text.size())));
    }

private:
    std::vector<std::byte>& m_out;
};

/// Reads fields front to back; any read past the end fails and leaves the reader failed.
class Reader {
public:
    explicit Reader(std::span<const std::byte> bytes)
        : m_bytes(bytes)
    {
    }

    template<class T> bool get(T& value)
    {
        if (m_bytes.size() - m_offset < sizeof(T)) {
            return false;
        }
        value = vmm::load_le<T>(m_bytes, m_offset);
        m_offset += sizeof(T);
        return true;
    }
    /// A u32-length-prefixed string of at most `limit` bytes. `too_long` tells the two failures
    /// apart.
    bool get_string(std::string& text, size_t limit, bool& too_long)
    {
        uint32_t length = 0;
        too_long = false;
        if (!get(length)) {
            return false;
        }
        if (length > limit) {
            too_long = true;
            return false;
        }
        if (m_bytes.size() - m_offset < length) {
            return false;
        }
        text.assign(reinterpret_cast<const char*>(m_bytes.data() + m_offset), length);
        m_offset += length;
        return true;
    }
    /// Everything left.
    std::span<const std::byte> rest()
    {
        auto tail = m_bytes.subspan(m_offset);
        m_offset = m_bytes.size();
        return tail;
    }
    size_t remaining() const { return m_bytes.size() - m_offset; }

private:
    std::span<const std::byte> m_bytes;
    size_t m_offset { 0 };
};

} // namespace agent::protocol::wire
