// SPDX-License-Identifier: Apache-2.0
// A FIFO of bytes: appended at the back (also straight from read() with prepare()/commit(), or by
// an encoder into buffer()), consumed from the front. Consumed bytes are reclaimed in bulk, so a
// byte moves at most about once more on average, not on every consume.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

namespace vmm {

class ByteQueue {
public:
    size_t size() const { return m_bytes.size() - m_head; }
    bool empty() const { return size() == 0; }
    /// Everything queued, oldest first; valid until the next change.
    std::span<const std::byte> front() const { return std::span(m_bytes).subspan(m_head); }

    void append(std::span<const std::byte> bytes)
    {
        m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end());
    }
    /// `bytes` goes before everything queued (a greeting that must lead the stream).
    void push_front(std::span<const std::byte> bytes)
    {
        m_bytes.insert(m_bytes.begin() + std::ptrdiff_t(m_head), bytes.begin(), bytes.end());
    }
    /// The vector to append to (an encoder's output); bytes before the front are already
    /// consumed: leave them be.
    std::vector<std::byte>& buffer() { return m_bytes; }
    /// Room for `count` more bytes at the back, to be filled then kept with commit().
    std::span<std::byte> prepare(size_t count)
    {
        m_prepared = m_bytes.size();
        m_bytes.resize(m_prepared + count);
        return std::span(m_bytes).subspan(m_prepared);
    }
    /// Keeps `used` bytes of the last prepare() and drops the rest.
    void commit(size_t used) { m_bytes.resize(m_prepared + used); }
    /// Drops `count` bytes from the front (all of them if fewer are queued).
    void consume(size_t count)
    {
        m_head += count < size() ? count : size();
        if (m_head == m_bytes.size()) {
            m_bytes.clear();
            m_head = 0;
        } else if (m_head >= compact_threshold && m_head * 2 >= m_bytes.size()) {
            m_bytes.erase(m_bytes.begin(), m_bytes.begin() + std::ptrdiff_t(m_head));
            m_head = 0;
        }
    }
    void clear()
    {
        m_bytes.clear();
        m_head = 0;
    }

private:
    static constexpr size_t compact_threshold = 64 * 1024;
    std::vector<std::byte> m_bytes;
    size_t m_head { 0 };
    size_t m_prepared { 0 };
};

} // namespace vmm
