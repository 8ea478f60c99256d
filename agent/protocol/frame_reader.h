// SPDX-License-Identifier: Apache-2.0
// Splits a byte stream into frames. The caller reads from its fd straight into prepare()'s space,
// commit()s what arrived, then takes frames with next() until it says "need more". Memory stays
// bounded: the buffer never holds more than one maximal frame plus one read.
#pragma once
#include "agent/protocol/codec.h"
#include "agent/protocol/limits.h"
#include "base/result.h"

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace agent::protocol {

class FrameReader {
public:
    explicit FrameReader(uint32_t max_length = max_frame_length);

    /// Space for the next read, `want` bytes long, or empty when the buffer already holds a
    /// whole maximal frame (take frames with next() first). Invalidates earlier frames.
    std::span<std::byte> prepare(size_t want = max_data_chunk);
    /// `size` bytes of the prepared space were filled.
    void commit(size_t size);
    /// Copies `bytes` in (tests, fuzzing): as many as fit, returns how many did.
    size_t feed(std::span<const std::byte> bytes);

    /// The next whole frame (viewing the buffer until the next prepare/feed), nullopt when more
    /// bytes are needed, or BadLength: the stream is then unusable and the caller must close it.
    vmm::Result<std::optional<Frame>, DecodeError> next();

    /// Bytes received but not yet returned as frames.
    size_t buffered() const { return m_end - m_begin; }

private:
    std::vector<std::byte> m_buffer;
    size_t m_begin { 0 };
    size_t m_end { 0 };
    uint32_t m_max_length;
};

} // namespace agent::protocol
