// SPDX-License-Identifier: Apache-2.0
// Helpers for the storvsp tests: bytes written as hex, and packets as Linux's storvsc builds them.
#pragma once
#include "base/bytes.h"
#include "vmbus-lite/channel/device.h"
#include "vmbus-lite/storvsp/block_backend.h"
#include "vmbus-lite/storvsp/vstor_packet.h"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <string_view>
#include <vector>

namespace storvsp_test {

/// Bytes from hex digits; spaces are ignored so that fields can be set apart.
inline std::vector<std::byte> hex(std::string_view text)
{
    std::vector<std::byte> bytes;
    int high = -1;
    for (const char c : text) {
        if (c == ' ') {
            continue;
        }
        const int nibble = c <= '9' ? c - '0' : c - 'a' + 10;
        if (high < 0) {
            high = nibble;
        } else {
            bytes.push_back(static_cast<std::byte>(high << 4 | nibble));
            high = -1;
        }
    }
    return bytes;
}

inline std::vector<std::byte> to_vector(std::span<const std::byte> bytes)
{
    return { bytes.begin(), bytes.end() };
}

/// A 64-byte vstor_packet with `operation`, REQUEST_COMPLETION_FLAG and the given payload bytes at
/// packet offset 12, the rest zero: what storvsc_execute_vstor_op and storvsc_queuecommand send.
inline std::vector<std::byte> guest_packet(
    vmbus::storvsp::Operation operation, std::vector<std::byte> payload = {})
{
    std::vector<std::byte> bytes(vmbus::storvsp::vstor_packet_size);
    bytes[0] = static_cast<std::byte>(operation);
    bytes[4] = std::byte { 1 };
    for (size_t i = 0; i < payload.size() && 12 + i < bytes.size(); ++i) {
        bytes[12 + i] = payload[i];
    }
    return bytes;
}

/// A packet the guest wrote: `payload` after `area` bytes of descriptor and whatever follows it.
inline vmbus::Packet ring_packet_with_area(
    uint16_t type, size_t area, std::span<const std::byte> payload, uint64_t trans_id)
{
    vmbus::Packet packet;
    packet.descriptor = { type, uint16_t(area / 8), uint16_t((area + payload.size() + 7) / 8),
        vmbus::VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED, trans_id };
    packet.bytes.resize(area + payload.size());
    vmm::store_le(std::span(packet.bytes), 0, packet.descriptor);
    std::copy(payload.begin(), payload.end(), packet.bytes.begin() + long(area));
    return packet;
}

/// An INBAND packet (an init operation, or an SRB without data).
inline vmbus::Packet inband_packet(std::span<const std::byte> payload, uint64_t trans_id)
{
    return ring_packet_with_area(vmbus::VM_PKT_DATA_INBAND, 16, payload, trans_id);
}

/// A GPA-direct packet with one range header (struct vmbus_packet_mpb_array): `byte_count`
/// bytes from `byte_offset` into the first of `pfns`.
inline vmbus::Packet gpa_direct_packet(std::span<const std::byte> payload, uint64_t trans_id,
    const std::vector<uint64_t>& pfns, uint32_t byte_count, uint32_t byte_offset = 0,
    uint32_t range_count = 1)
{
    auto packet = ring_packet_with_area(
        vmbus::VM_PKT_DATA_USING_GPA_DIRECT, 32 + pfns.size() * 8, payload, trans_id);
    vmm::store_le(std::span(packet.bytes), 20, range_count);
    vmm::store_le(std::span(packet.bytes), 24, byte_count);
    vmm::store_le(std::span(packet.bytes), 28, byte_offset);
    for (size_t i = 0; i < pfns.size(); ++i) {
        vmm::store_le(std::span(packet.bytes), 32 + i * 8, pfns[i]);
    }
    return packet;
}

/// An EXECUTE_SRB payload as storvsc_queuecommand fills it: a WIN8+ vmscsi_request addressed to
/// (0, 0, `lun`) with `cdb`, the direction and the transfer length.
inline std::vector<std::byte> srb_packet(std::vector<uint8_t> cdb,
    vmbus::storvsp::DataDirection direction, uint32_t transfer_length, uint8_t lun = 0,
    uint8_t target = 0)
{
    std::vector<std::byte> request(vmbus::storvsp::vmscsi_request_size);
    vmm::store_le(std::span(request), 0, uint16_t(vmbus::storvsp::vmscsi_request_size));
    request[6] = std::byte { target };
    request[7] = std::byte { lun };
    request[8] = std::byte(cdb.size());
    request[9] = std::byte { vmbus::storvsp::sense_buffer_size };
    request[10] = std::byte(direction);
    vmm::store_le(std::span(request), 12, transfer_length);
    for (size_t i = 0; i < cdb.size() && i < 16; ++i) {
        request[16 + i] = std::byte { cdb[i] };
    }
    return guest_packet(vmbus::storvsp::Operation::ExecuteSrb, request);
}

/// The guest's end of a channel: packets it queued, and what the host sent back. `room` is how
/// many more packets the guest's ring takes before it reports Full.
class FakeChannel final : public vmbus::ChannelEndpoint {
public:
    uint32_t relid() const override { return 3; }
    vmm::Result<void, vmbus::RingError> send(
        vmbus::PacketDescriptor descriptor, std::span<const std::byte> payload) override
    {
        if (room == 0) {
            return vmm::unexpected(vmbus::RingError::Full);
        }
        --room;
        sent.push_back({ descriptor, { payload.begin(), payload.end() } });
        return {};
    }
    vmm::Result<vmbus::Packet, vmbus::RingError> receive() override
    {
        if (incoming.empty()) {
            return vmm::unexpected(vmbus::RingError::Empty);
        }
        auto packet = std::move(incoming.front());
        incoming.pop_front();
        return packet;
    }

    struct Sent {
        vmbus::PacketDescriptor descriptor;
        std::vector<std::byte> payload;
        uint32_t status() const { return vmm::load_le<uint32_t>(payload, 8); }
        uint8_t srb_status() const { return uint8_t(payload[14]); }
        uint8_t scsi_status() const { return uint8_t(payload[15]); }
        uint32_t transferred() const { return vmm::load_le<uint32_t>(payload, 24); }
        /// Sense key, ASC and ASCQ from the fixed-format sense at the request's sense area.
        std::array<uint8_t, 3> sense() const
        {
            return { uint8_t(uint8_t(payload[28 + 2]) & 0xf), uint8_t(payload[28 + 12]),
                uint8_t(payload[28 + 13]) };
        }
    };
    std::deque<vmbus::Packet> incoming;
    std::vector<Sent> sent;
    size_t room { std::numeric_limits<size_t>::max() };
};

/// A disk image in a byte vector whose requests complete when the test says so, as io_uring's
/// would complete later on the same thread.
class MemoryBackend final : public vmbus::storvsp::BlockBackend {
public:
    explicit MemoryBackend(size_t bytes)
        : image(bytes)
    {
    }
    void submit(vmbus::storvsp::BlockRequest request, Done done) override
    {
        queued.push_back({ std::move(request), std::move(done) });
    }
    void kick() override { ++kicks; }

    /// Runs and completes every queued request; `fail_with` makes each fail with that errno.
    size_t complete_all(int fail_with = 0)
    {
        size_t count = 0;
        while (!queued.empty()) {
            auto [request, done] = std::move(queued.front());
            queued.pop_front();
            if (fail_with == 0) {
                run(request);
            }
            done(fail_with);
            ++count;
        }
        return count;
    }

    std::vector<std::byte> image;
    std::deque<std::pair<vmbus::storvsp::BlockRequest, Done>> queued;
    int kicks { 0 };
    int flushes { 0 };

private:
    void run(const vmbus::storvsp::BlockRequest& request)
    {
        uint64_t offset = request.offset;
        for (const iovec& piece : request.buffers) {
            auto* data = static_cast<std::byte*>(piece.iov_base);
            if (request.op == vmbus::storvsp::BlockOp::Read) {
                std::memcpy(data, image.data() + offset, piece.iov_len);
            } else {
                std::memcpy(image.data() + offset, data, piece.iov_len);
            }
            offset += piece.iov_len;
        }
        for (const auto& range : request.discard) {
            std::fill_n(image.begin() + long(range.offset), range.length, std::byte { 0 });
        }
        flushes += request.op == vmbus::storvsp::BlockOp::Flush ? 1 : 0;
    }
};

} // namespace storvsp_test
