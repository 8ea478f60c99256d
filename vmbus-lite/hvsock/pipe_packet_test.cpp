// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/hvsock/pipe_packet.h"

#include <cstring>
#include <doctest/doctest.h>

using namespace vmbus;
using namespace vmbus::hvsock;

namespace {

/// A packet as IncomingRing hands it over: descriptor, payload, padding to 8.
Packet packet_of(std::span<const std::byte> payload, uint16_t type = VM_PKT_DATA_INBAND)
{
    Packet packet;
    packet.descriptor = pipe_descriptor();
    packet.descriptor.type = type;
    packet.descriptor.offset8 = 2;
    const size_t length = (sizeof(PacketDescriptor) + payload.size() + 7) & ~size_t(7);
    packet.descriptor.len8 = uint16_t(length / 8);
    packet.bytes.resize(length);
    std::memcpy(packet.bytes.data(), &packet.descriptor, sizeof(packet.descriptor));
    if (!payload.empty()) {
        std::memcpy(packet.bytes.data() + sizeof(PacketDescriptor), payload.data(), payload.size());
    }
    return packet;
}

std::vector<std::byte> header_bytes(uint32_t type, uint32_t size, size_t data_bytes)
{
    std::vector<std::byte> bytes(8 + data_bytes);
    const PipeHeader header { type, size };
    std::memcpy(bytes.data(), &header, sizeof(header));
    return bytes;
}

} // namespace

TEST_CASE("hv_sock sizes match Linux 6.1's hyperv_transport.c")
{
    CHECK(guest_send_size == 4088); // HVS_SEND_BUF_SIZE
    CHECK(ring_bytes_for(0) == 32); // HVS_PKT_LEN(0): a FIN
    CHECK(guest_pending_send_size == 4120); // HVS_PKT_LEN(HVS_SEND_BUF_SIZE)
    CHECK(guest_max_packet_size == 16416); // HVS_MAX_PKT_SIZE
}

TEST_CASE("hv_sock packets: data and FIN round-trip")
{
    const std::vector<std::byte> data { std::byte { 'h' }, std::byte { 'i' }, std::byte { '!' } };
    std::vector<std::byte> payload;
    build_payload(data, payload);
    REQUIRE(payload.size() == 8 + data.size());
    const Packet packet = packet_of(payload);
    auto parsed = parse_packet(packet); // A view into `packet`.
    REQUIRE(parsed);
    CHECK(std::vector<std::byte>(parsed->begin(), parsed->end()) == data);

    build_payload({}, payload);
    CHECK(payload.size() == 8);
    const Packet fin_packet = packet_of(payload);
    auto fin = parse_packet(fin_packet);
    REQUIRE(fin);
    CHECK(fin->empty());
}

TEST_CASE("hv_sock packets: what Linux never sends is an error")
{
    CHECK(parse_packet(packet_of(header_bytes(1, 0, 0), VM_PKT_COMP)).error()
        == PipeError::NotInband);
    CHECK_FALSE(parse_packet(packet_of(std::vector<std::byte>(4)))); // Padded: a zero type.
    CHECK(parse_packet(packet_of({})).error() == PipeError::TooShort);
    CHECK(parse_packet(packet_of(header_bytes(2, 0, 0))).error() == PipeError::BadType);
    CHECK(parse_packet(packet_of(header_bytes(1, 17, 16))).error() == PipeError::Overrun);
    CHECK(parse_packet(packet_of(header_bytes(1, 0xffffffff, 16))).error() == PipeError::Overrun);
    CHECK(parse_packet(packet_of(header_bytes(1, 16385, 16392))).error() == PipeError::TooLarge);
    // Padding and slack past data_size are the sender's business, as in Linux.
    const Packet slack_packet = packet_of(header_bytes(1, 3, 40));
    auto slack = parse_packet(slack_packet);
    REQUIRE(slack);
    CHECK(slack->size() == 3);
    CHECK(parse_packet(packet_of(header_bytes(1, 16384, 16384))));
}
