// SPDX-License-Identifier: Apache-2.0
// The handshake as Linux's storvsc_channel_init drives it (drivers/scsi/storvsc_drv.c): each step
// a 64-byte packet with REQUEST_COMPLETION_FLAG, each answer a 64-byte COMPLETE_IO the guest
// checks for operation 1 and status 0. Linux 6.1 and 6.12 send the same packets; they differ in
// what the host offers (sub-channels below).
#include "vmbus-lite/storvsp/negotiation.h"

#include "vmbus-lite/storvsp/storvsp_test_support.h"

#include <doctest/doctest.h>

using namespace vmbus::storvsp;
using storvsp_test::guest_packet;
using storvsp_test::hex;
using storvsp_test::to_vector;

namespace {

constexpr StorvspConfig single_channel { 0, 0x100000 };
constexpr StorvspConfig four_channels { 3, 0x40000 };

// A COMPLETE_IO header with status 0.
constexpr std::string_view ok_header = "01000000 00000000 00000000";

/// A 64-byte reply: `header`, then `payload`, then zeros.
std::vector<std::byte> expected(std::string_view header, std::string_view payload)
{
    auto bytes = hex(header);
    const auto rest = hex(payload);
    bytes.insert(bytes.end(), rest.begin(), rest.end());
    bytes.resize(vstor_packet_size);
    return bytes;
}

/// Parses `bytes` at the channel's current version and hands the packet to it.
Step send(Negotiation& channel, const std::vector<std::byte>& bytes)
{
    return channel.handle(parse_vstor_packet(bytes, channel.version()).value());
}

std::vector<std::byte> reply_of(const Step& step)
{
    REQUIRE(step.reply.has_value());
    CHECK_FALSE(step.srb.has_value());
    return to_vector(step.reply->view());
}

std::vector<std::byte> version_packet(uint16_t major_minor)
{
    return guest_packet(Operation::QueryProtocolVersion,
        { std::byte(major_minor & 0xff), std::byte(major_minor >> 8) });
}

/// Runs BEGIN, version WIN10, QUERY_PROPERTIES and END without checking the answers.
void initialize(Negotiation& channel)
{
    (void)send(channel, guest_packet(Operation::BeginInitialization));
    (void)send(channel, version_packet(version_win10));
    (void)send(channel, guest_packet(Operation::QueryProperties));
    (void)send(channel, guest_packet(Operation::EndInitialization));
}

std::vector<std::byte> inquiry_srb(uint8_t cdb_length)
{
    return guest_packet(Operation::ExecuteSrb,
        hex("3400 00 00 00 00 00 00" + std::string(cdb_length == 6 ? "06" : "11")
            + "14 01 00 24000000 12000000 24000000 aaaaaaaa aaaaaaaa aaaaaaaa"));
}

} // namespace

TEST_CASE("negotiation: the Linux 6.1 handshake is answered byte for byte and ends Ready")
{
    Negotiation channel(single_channel);

    CHECK(reply_of(send(channel, guest_packet(Operation::BeginInitialization)))
        == expected(ok_header, ""));
    CHECK(reply_of(send(channel, version_packet(version_win10))) == expected(ok_header, "0206"));
    CHECK(reply_of(send(channel, guest_packet(Operation::QueryProperties)))
        == expected(ok_header, "00000000 0000 0000 00000000 00001000 0000000000000000"));
    CHECK(reply_of(send(channel, guest_packet(Operation::EndInitialization)))
        == expected(ok_header, ""));
    CHECK(channel.phase() == Negotiation::Phase::Ready);
    CHECK(channel.version() == version_win10);
}

TEST_CASE("negotiation: the Linux 6.12 handshake with sub-channels records the count asked for")
{
    Negotiation channel(four_channels);
    (void)send(channel, guest_packet(Operation::BeginInitialization));
    (void)send(channel, version_packet(version_win10));

    CHECK(reply_of(send(channel, guest_packet(Operation::QueryProperties)))
        == expected(ok_header, "00000000 0300 0000 01000000 00000400 0000000000000000"));
    (void)send(channel, guest_packet(Operation::EndInitialization));
    CHECK(reply_of(send(channel, guest_packet(Operation::CreateSubChannels, hex("0300"))))
        == expected(ok_header, ""));
    CHECK(channel.sub_channels_requested() == 3);
}

TEST_CASE("negotiation: a refused version keeps the phase so that a lower one is accepted")
{
    Negotiation channel(single_channel);
    (void)send(channel, guest_packet(Operation::BeginInitialization));

    CHECK(reply_of(send(channel, version_packet(version_win7)))
        == expected("01000000 00000000 590000c0", "0204"));
    CHECK(channel.phase() == Negotiation::Phase::AwaitVersion);
    CHECK(reply_of(send(channel, version_packet(version_win8))) == expected(ok_header, "0105"));
    CHECK(channel.version() == version_win8);
}

TEST_CASE("negotiation: END_INITIALIZATION before BEGIN is refused and changes nothing")
{
    Negotiation channel(single_channel);

    CHECK(reply_of(send(channel, guest_packet(Operation::EndInitialization)))
        == expected("01000000 00000000 840100c0", ""));
    CHECK(channel.phase() == Negotiation::Phase::AwaitBegin);
}

TEST_CASE("negotiation: an SRB before initialization completes with an error, not an SRB")
{
    Negotiation channel(single_channel);

    const auto reply = reply_of(send(channel, inquiry_srb(6)));

    CHECK(to_vector(std::span(reply).first(15)) == hex("01000000 00000000 840100c0 3400 04"));
}

TEST_CASE("negotiation: a CDB length of 17 is refused as an invalid request")
{
    Negotiation channel(single_channel);
    initialize(channel);

    const auto reply = reply_of(send(channel, inquiry_srb(17)));

    CHECK(to_vector(std::span(reply).first(15)) == hex("01000000 00000000 0d0000c0 3400 06"));
}

TEST_CASE("negotiation: an SRB once Ready goes up with only cdb_length CDB bytes")
{
    Negotiation channel(single_channel);
    initialize(channel);

    const auto step = send(channel, inquiry_srb(6));

    REQUIRE(step.srb.has_value());
    CHECK_FALSE(step.reply.has_value());
    CHECK(step.srb->cdb_length == 6);
    CHECK(to_vector(step.srb->cdb) == hex("12000000 240000000000000000000000"));
    CHECK(step.srb->direction == DataDirection::Read);
    CHECK(step.srb->transfer_length == 36);
    CHECK(step.srb->reply_size == 64);
}

TEST_CASE("negotiation: more sub-channels than offered are refused as an invalid parameter")
{
    Negotiation channel(four_channels);
    initialize(channel);

    CHECK(reply_of(send(channel, guest_packet(Operation::CreateSubChannels, hex("0400"))))
        == expected("01000000 00000000 0d0000c0", ""));
    CHECK(channel.sub_channels_requested() == 0);
}

TEST_CASE("negotiation: a sub-channel serves SRBs at once and refuses initialization")
{
    auto channel = Negotiation::sub_channel(four_channels, version_win10);

    CHECK(reply_of(send(channel, guest_packet(Operation::BeginInitialization)))
        == expected("01000000 00000000 840100c0", ""));
    CHECK(send(channel, inquiry_srb(6)).srb.has_value());
}

TEST_CASE("negotiation: a 48-byte request before a version is agreed gets a 48-byte answer")
{
    Negotiation channel(single_channel);
    auto bytes = guest_packet(Operation::BeginInitialization);
    bytes.resize(48);

    CHECK(send(channel, bytes).reply->size == 48);
}

TEST_CASE("negotiation: RESET_BUS on a ready channel completes with success")
{
    Negotiation channel(single_channel);
    initialize(channel);

    CHECK(reply_of(send(channel, guest_packet(Operation::ResetBus))) == expected(ok_header, ""));
}
