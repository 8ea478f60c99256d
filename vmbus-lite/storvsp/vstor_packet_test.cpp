// SPDX-License-Identifier: Apache-2.0
// The vstor_packet layout and sizes per version, and the completions the host encodes, checked
// against struct vstor_packet / struct vmscsi_request in drivers/scsi/storvsc_drv.c.
#include "vmbus-lite/storvsp/vstor_packet.h"

#include "vmbus-lite/storvsp/storvsp_test_support.h"

#include <doctest/doctest.h>

#include <cstddef>

using namespace vmbus::storvsp;
using storvsp_test::guest_packet;
using storvsp_test::hex;
using storvsp_test::to_vector;

namespace {

/// An EXECUTE_SRB as storvsc_queuecommand fills it: READ(10) of 8 blocks on target 1, 4096 bytes.
std::vector<std::byte> read10_srb()
{
    return guest_packet(Operation::ExecuteSrb,
        hex("3400 00 00 00 00 01 00 0a 14 01 00 00100000"
            "28000000 10000000 08000000 00000000 00000000"
            "0000 ff 20 4a010000 3c000000 00000000"));
}

} // namespace

TEST_CASE("vstor_packet: the request block is 52 bytes with the win8 extension at 36")
{
    CHECK(sizeof(VmscsiRequest) == 52);
    CHECK(offsetof(VmscsiRequest, data_transfer_length) == 12);
    CHECK(offsetof(VmscsiRequest, cdb_or_sense) == 16);
    CHECK(offsetof(VmscsiRequest, reserve) == 36);
    CHECK(offsetof(VmscsiRequest, queue_sort_key) == 48);
}

TEST_CASE("vstor_packet: versions before WIN8 use 48-byte packets, WIN8 and later 64")
{
    CHECK(packet_size_for(version_win6) == 48);
    CHECK(packet_size_for(version_win7) == 48);
    CHECK(packet_size_for(version_win8) == 64);
    CHECK(packet_size_for(version_win10) == 64);
}

TEST_CASE("vstor_packet: a WIN8 payload one byte short of 64 is refused")
{
    auto bytes = guest_packet(Operation::ExecuteSrb);
    bytes.pop_back();

    CHECK(parse_vstor_packet(bytes, version_win8).error() == PacketError::Truncated);
}

TEST_CASE("vstor_packet: a 48-byte payload is enough for WIN7 and too short for WIN8_1")
{
    auto bytes = guest_packet(Operation::ExecuteSrb);
    bytes.resize(48);

    CHECK(parse_vstor_packet(bytes, version_win7).has_value());
    CHECK(parse_vstor_packet(bytes, version_win8_1).error() == PacketError::Truncated);
}

TEST_CASE("vstor_packet: a 47-byte payload is refused even before a version is agreed")
{
    auto bytes = guest_packet(Operation::BeginInitialization);
    bytes.resize(47);

    CHECK(parse_vstor_packet(bytes, version_win6).error() == PacketError::Truncated);
}

TEST_CASE("vstor_packet: bytes past 64 are ignored and the SRB fields read from their offsets")
{
    auto bytes = read10_srb();
    bytes.resize(80, std::byte { 0xee });

    const auto packet = parse_vstor_packet(bytes, version_win10).value();
    const auto srb = packet.srb();

    CHECK(packet.size == 64);
    CHECK(packet.operation == 3);
    CHECK(packet.flags == 1);
    CHECK(srb.target_id == 1);
    CHECK(srb.cdb_length == 10);
    CHECK(srb.data_in == 1);
    CHECK(srb.data_transfer_length == 4096);
    CHECK(srb.cdb_or_sense[0] == 0x28);
    CHECK(srb.srb_flags == 0x14a);
    CHECK(srb.time_out_value == 60);
}

TEST_CASE("vstor_packet: a successful SRB completion echoes the request with the bytes moved")
{
    const auto srb = parse_vstor_packet(read10_srb(), version_win10).value().srb();

    const auto reply = encode_srb_completion(srb, SrbOutcome { 0, 0x01, 0x00, 4096, {} }, 64);

    CHECK(to_vector(reply.view())
        == hex("01000000 00000000 00000000"
               "3400 01 00 00 00 01 00 0a 00 01 00 00100000"
               "00000000 00000000 00000000 00000000 00000000"
               "0000 ff 20 4a010000 3c000000 00000000"));
}

TEST_CASE("vstor_packet: sense is cut to the guest's sense_info_length and sets AUTOSENSE_VALID")
{
    auto srb = parse_vstor_packet(read10_srb(), version_win10).value().srb();
    srb.sense_info_length = 14;
    const auto sense = hex("70000500 00000000 0a000000 2100 ee00 0000 1111");

    const auto reply
        = encode_srb_completion(srb, SrbOutcome { 0xC0000001, 0x04, 0x02, 0, sense }, 64);
    const auto bytes = to_vector(reply.view());

    CHECK(bytes[14] == std::byte { 0x84 }); // ERROR | AUTOSENSE_VALID
    CHECK(bytes[15] == std::byte { 0x02 }); // CHECK CONDITION
    CHECK(bytes[21] == std::byte { 14 });
    CHECK(bytes[28] == std::byte { 0x70 });
    CHECK(bytes[40] == std::byte { 0x21 });
    CHECK(bytes[42] == std::byte { 0x00 }); // byte 14 of the sense: past the guest's length
}

TEST_CASE("vstor_packet: a completion never reports more data than the guest asked for")
{
    const auto srb = parse_vstor_packet(read10_srb(), version_win10).value().srb();

    const auto reply = encode_srb_completion(srb, SrbOutcome { 0, 0x01, 0, 1 << 20, {} }, 64);

    CHECK(to_vector(reply.view().subspan(24, 4)) == hex("00100000"));
}

TEST_CASE("vstor_packet: a pre-WIN8 completion is 48 bytes with at most 18 bytes of sense")
{
    auto srb = parse_vstor_packet(read10_srb(), version_win10).value().srb();
    const auto sense = hex("70000500 00000000 0a000000 2400 0000 0000 1111");

    const auto reply = encode_srb_completion(srb, SrbOutcome { 0, 0x06, 0x02, 0, sense }, 48);

    CHECK(reply.size == 48);
    CHECK(reply.view()[12] == std::byte { 36 }); // length: the request without the extension
    CHECK(reply.view()[21] == std::byte { 18 });
}

TEST_CASE("vstor_packet: the properties reply carries channels, multi-channel and transfer size")
{
    const auto reply = encode_properties_reply(ChannelProperties { 3, true, 0x40000 }, 64);

    CHECK(to_vector(reply.view())
        == hex("01000000 00000000 00000000"
               "00000000 0300 0000 01000000 00000400 0000000000000000"
               "00000000 00000000 00000000 00000000 00000000 00000000 00000000"));
}
