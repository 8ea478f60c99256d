// SPDX-License-Identifier: Apache-2.0
// A first-in, first-out queue whose storage is allocated once: requests waiting for a free ring
// slot queue here without a heap allocation each, and a full queue says so instead of growing.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

namespace vmm {

template<class T> class FixedQueue {
public:
    explicit FixedQueue(size_t capacity)
        : m_items(capacity)
    {
    }

    bool empty() const { return m_size == 0; }
    bool full() const { return m_size == m_items.size(); }
    size_t size() const { return m_size; }

    /// False, leaving `item` untouched, when the queue is full.
    bool push(T&& item)
    {
        if (full()) {
            return false;
        }
        m_items[(m_head + m_size) % m_items.size()] = std::move(item);
        ++m_size;
        return true;
    }
    /// The oldest item, moved out. Not on an empty queue.
    T pop()
    {
        T item = std::move(m_items[m_head]);
        m_items[m_head] = T {}; // Lets go of what the moved-from item may still hold.
        m_head = (m_head + 1) % m_items.size();
        --m_size;
        return item;
    }

private:
    std::vector<T> m_items;
    size_t m_head { 0 };
    size_t m_size { 0 };
};

} // namespace vmm
