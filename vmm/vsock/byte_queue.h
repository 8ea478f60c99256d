// SPDX-License-Identifier: Apache-2.0
// A FIFO of bytes for the vsock bridge: appended at the back (also straight from read()),
// consumed from the front, without moving bytes on every consume.
#pragma once
#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

namespace vmm {

class ByteQueue {
public:
    size_t size() const { return m_bytes.size() - m_head; }
    bool empty() const { return size() == 0; }
    std::span<const std::byte> front() const { return std::span(m_bytes).subspan(m_head); }

    void push(std::span<const std::byte> bytes)
    {
        m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end());
    }
    /// `bytes` goes before everything queued (a greeting that must lead the stream).
    void push_front(std::span<const std::byte> bytes)
    {
        m_bytes.insert(m_bytes.begin() + long(m_head), bytes.begin(), bytes.end());
    }
    /// Room for `count` more bytes at the back, to be filled then kept with commit().
    std::span<std::byte> prepare(size_t count)
    {
        m_prepared = m_bytes.size();
        m_bytes.resize(m_prepared + count);
        return std::span(m_bytes).subspan(m_prepared);
    }
    void commit(size_t used) { m_bytes.resize(m_prepared + used); }
    void pop(size_t count)
    {
        m_head += count;
        if (m_head == m_bytes.size()) {
            m_bytes.clear();
            m_head = 0;
        } else if (m_head >= 64 * 1024 && m_head * 2 >= m_bytes.size()) {
            // Compact now and then: each byte moves at most once more on average.
            m_bytes.erase(m_bytes.begin(), m_bytes.begin() + long(m_head));
            m_head = 0;
        }
    }
    void clear()
    {
        m_bytes.clear();
        m_head = 0;
    }

private:
    std::vector<std::byte> m_bytes;
    size_t m_head { 0 };
    size_t m_prepared { 0 };
};

} // namespace vmm
