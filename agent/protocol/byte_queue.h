// SPDX-License-Identifier: Apache-2.0
// A FIFO of bytes for outgoing data: appended at the back (encode() writes into buffer()),
// written out from the front. Consumed bytes are reclaimed in bulk, not per write.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

namespace agent::protocol {

class ByteQueue {
public:
    /// The vector to append to; bytes before the front are already consumed, leave them be.
    std::vector<std::byte>& buffer() { return m_bytes; }
    void append(std::span<const std::byte> bytes)
    {
        m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end());
    }

    std::span<const std::byte> front() const { return std::span(m_bytes).subspan(m_head); }
    void consume(size_t size)
    {
        m_head += size < this->size() ? size : this->size();
        if (m_head == m_bytes.size()) {
            m_bytes.clear();
            m_head = 0;
        } else if (m_head >= compact_threshold && m_head >= m_bytes.size() / 2) {
            m_bytes.erase(m_bytes.begin(), m_bytes.begin() + static_cast<ptrdiff_t>(m_head));
            m_head = 0;
        }
    }
    size_t size() const { return m_bytes.size() - m_head; }
    bool empty() const { return size() == 0; }
    void clear()
    {
        m_bytes.clear();
        m_head = 0;
    }

private:
    static constexpr size_t compact_threshold = 64 * 1024;
    std::vector<std::byte> m_bytes;
    size_t m_head { 0 };
};

} // namespace agent::protocol
