// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/storvsp/data_buffer.h"

#include <algorithm>
#include <cstring>

namespace vmbus::storvsp {

std::optional<DataBuffer> DataBuffer::map(
    const vmm::GuestMemory& memory, const GpaRange& range, uint32_t length)
{
    if (range.byte_count < length) {
        return std::nullopt;
    }
    DataBuffer buffer;
    uint32_t left = length;
    for (const Segment& segment : range.segments) {
        if (left == 0) {
            break;
        }
        const uint32_t take = std::min(left, segment.length);
        auto view = memory.slice(vmm::GuestAddress(segment.gpa), take);
        if (!view) {
            return std::nullopt;
        }
        buffer.m_pieces.push_back(*view);
        left -= take;
    }
    if (left != 0) {
        return std::nullopt; // Segments shorter than the byte count they claim: never from parse.
    }
    buffer.m_size = length;
    return buffer;
}

std::vector<iovec> DataBuffer::iovecs() const
{
    std::vector<iovec> out;
    out.reserve(m_pieces.size());
    for (const auto piece : m_pieces) {
        out.push_back({ piece.data(), piece.size() });
    }
    return out;
}

void DataBuffer::copy_in(std::span<const std::byte> bytes) const
{
    for (const auto piece : m_pieces) {
        if (bytes.empty()) {
            return;
        }
        const size_t take = std::min(bytes.size(), piece.size());
        std::memcpy(piece.data(), bytes.data(), take);
        bytes = bytes.subspan(take);
    }
}

std::vector<std::byte> DataBuffer::copy_out() const
{
    std::vector<std::byte> out;
    out.reserve(m_size);
    for (const auto piece : m_pieces) {
        out.insert(out.end(), piece.begin(), piece.end());
    }
    return out;
}

} // namespace vmbus::storvsp
