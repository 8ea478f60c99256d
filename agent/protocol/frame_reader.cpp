// SPDX-License-Identifier: Apache-2.0
#include "agent/protocol/frame_reader.h"

#include "base/bytes.h"

#include <algorithm>
#include <cstring>

namespace agent::protocol {

FrameReader::FrameReader(uint32_t max_length)
    : m_max_length(max_length)
{
}

std::span<std::byte> FrameReader::prepare(size_t want)
{
    if (buffered() >= frame_header_size + m_max_length || want == 0) {
        return {};
    }
    if (m_begin == m_end) {
        m_begin = m_end = 0;
    }
    if (m_buffer.size() - m_end < want && m_begin > 0) {
        // Move the partial frame to the front only when the tail is short: a large frame
        // arriving in many reads is moved a few times, not once per read.
        std::memmove(m_buffer.data(), m_buffer.data() + m_begin, buffered());
        m_end -= m_begin;
        m_begin = 0;
    }
    if (m_buffer.size() - m_end < want) {
        m_buffer.resize(m_end + want);
    }
    return std::span(m_buffer).subspan(m_end, want);
}

void FrameReader::commit(size_t size)
{
    m_end = std::min(m_end + size, m_buffer.size());
}

size_t FrameReader::feed(std::span<const std::byte> bytes)
{
    const auto space = prepare(bytes.size());
    const size_t n = std::min(space.size(), bytes.size());
    if (n > 0) {
        std::memcpy(space.data(), bytes.data(), n);
    }
    commit(n);
    return n;
}

vmm::Result<std::optional<Frame>, DecodeError> FrameReader::next()
{
    if (buffered() < frame_header_size) {
        return std::optional<Frame> {};
    }
    const auto view = std::span<const std::byte>(m_buffer).subspan(m_begin, buffered());
    const uint32_t length = vmm::load_le<uint32_t>(view, 0);
    if (length == 0 || length > m_max_length) {
        return vmm::unexpected(DecodeError::BadLength);
    }
    if (view.size() - frame_header_size < length) {
        return std::optional<Frame> {};
    }
    m_begin += frame_header_size + length;
    return std::optional<Frame>(Frame {
        .type = static_cast<uint8_t>(view[frame_header_size]),
        .payload = view.subspan(frame_header_size + 1, length - 1),
    });
}

} // namespace agent::protocol
