// SPDX-License-Identifier: Apache-2.0
// Byte layouts checked against include/linux/hyperv.h offsets, and the response parsers against
// what Linux 6.1 writes back.
#include "vmbus-lite/ic/ic_message.h"

#include "base/bytes.h"

#include <doctest/doctest.h>

using namespace vmbus::ic;
using vmm::load_le;

namespace {

constexpr Version fw[] = { { 3, 0 }, { 1, 0 } };
constexpr Version sd[] = { { 3, 2 }, { 3, 1 }, { 3, 0 }, { 1, 0 } };
constexpr Negotiated v3 { { 3, 0 }, { 3, 2 } };

/// A guest reply: our request with the RESPONSE flag and the given status.
std::vector<std::byte> answered(std::vector<std::byte> request, uint32_t status = status_ok)
{
    vmm::store_le<uint8_t>(request, 25, flag_transaction | flag_response);
    vmm::store_le<uint32_t>(request, 20, status);
    return request;
}

std::vector<std::byte> negotiate_reply(uint16_t fw_count, uint16_t msg_count, Version f, Version m)
{
    auto reply = answered(build_negotiate(fw, sd, 1));
    vmm::store_le<uint16_t>(reply, 28, fw_count);
    vmm::store_le<uint16_t>(reply, 30, msg_count);
    vmm::store_le<Version>(reply, 36, f);
    vmm::store_le<Version>(reply, 40, m);
    return reply;
}

} // namespace

TEST_CASE("NEGOTIATE: pipe header, icmsg_hdr at 8, counts at 28, versions from 36")
{
    const auto bytes = build_negotiate(fw, sd, 9);
    REQUIRE(bytes.size() == 28 + 8 + 6 * 4);
    CHECK(load_le<uint32_t>(bytes, 0) == 1); // pipe flags: data
    CHECK(load_le<uint32_t>(bytes, 4) == bytes.size() - 8); // pipe msgsize: what follows it
    CHECK(load_le<uint16_t>(bytes, 8 + 4) == 0); // icmsgtype NEGOTIATE
    CHECK(load_le<uint16_t>(bytes, 8 + 10) == 8 + 6 * 4); // icmsgsize: the body
    CHECK(load_le<uint32_t>(bytes, 8 + 12) == 0); // status
    CHECK(load_le<uint8_t>(bytes, 8 + 16) == 9); // ictransaction_id
    CHECK(load_le<uint8_t>(bytes, 8 + 17) == (flag_transaction | flag_request));
    CHECK(load_le<uint16_t>(bytes, 28) == 2); // icframe_vercnt
    CHECK(load_le<uint16_t>(bytes, 30) == 4); // icmsg_vercnt
    CHECK(load_le<uint32_t>(bytes, 32) == 0); // reserved
    CHECK(load_le<Version>(bytes, 36) == Version { 3, 0 });
    CHECK(load_le<Version>(bytes, 40) == Version { 1, 0 });
    CHECK(load_le<Version>(bytes, 44) == Version { 3, 2 });
    CHECK(load_le<Version>(bytes, 56) == Version { 1, 0 });
}

TEST_CASE("SHUTDOWN carries the whole 2060-byte shutdown_msg_data Linux insists on")
{
    const ShutdownBody body { .reason_code = shutdown_reason_planned,
        .timeout_seconds = 30,
        .flags = shutdown_flag_restart,
        .display_message = {} };
    const auto bytes = build_shutdown(v3, 4, body);
    REQUIRE(bytes.size() == 28 + 2060);
    CHECK(load_le<uint32_t>(bytes, 4) == 20 + 2060);
    CHECK(load_le<Version>(bytes, 8) == Version { 3, 0 }); // icverframe: the negotiated one
    CHECK(load_le<uint16_t>(bytes, 12) == 3); // icmsgtype SHUTDOWN
    CHECK(load_le<Version>(bytes, 14) == Version { 3, 2 }); // icvermsg
    CHECK(load_le<uint16_t>(bytes, 18) == 2060);
    CHECK(load_le<uint32_t>(bytes, 28) == 0x80000000); // reason_code
    CHECK(load_le<uint32_t>(bytes, 32) == 30); // timeout_seconds
    CHECK(load_le<uint32_t>(bytes, 36) == 2); // flags
    // In a packet: 16-byte descriptor + 2088 = 2104, a multiple of 8, well under one page.
    CHECK(16 + bytes.size() <= max_guest_packet_size);
}

TEST_CASE("HEARTBEAT carries seq_num at 28 and the reserved words")
{
    const auto bytes = build_heartbeat({ { 3, 0 }, { 3, 0 } }, 1, 0x1122334455667788);
    REQUIRE(bytes.size() == 28 + 40);
    CHECK(load_le<uint16_t>(bytes, 12) == 1);
    CHECK(load_le<uint64_t>(bytes, 28) == 0x1122334455667788);
}

TEST_CASE("a negotiate reply names the chosen pair, or none with counts 0/0")
{
    auto chosen = parse_negotiate_response(negotiate_reply(1, 1, { 3, 0 }, { 3, 2 }));
    REQUIRE(chosen.has_value());
    REQUIRE(chosen->has_value());
    CHECK(**chosen == v3);

    auto none = parse_negotiate_response(negotiate_reply(0, 0, { 6, 0 }, { 0, 0 }));
    REQUIRE(none.has_value());
    CHECK_FALSE(none->has_value());

    auto odd = parse_negotiate_response(negotiate_reply(2, 1, { 3, 0 }, { 3, 2 }));
    REQUIRE_FALSE(odd.has_value());
    CHECK(odd.error() == IcError::BadVersionCount);
}

TEST_CASE("response parsers refuse short messages, requests and other types")
{
    const auto reply = negotiate_reply(1, 1, { 3, 0 }, { 3, 2 });
    for (size_t size : { size_t(0), size_t(27), size_t(28), size_t(35), size_t(43) }) {
        auto parsed = parse_negotiate_response(std::span(reply).first(size));
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error() == IcError::Truncated);
    }
    auto request = parse_negotiate_response(build_negotiate(fw, sd, 1));
    REQUIRE_FALSE(request.has_value());
    CHECK(request.error() == IcError::NotResponse);

    auto wrong = parse_shutdown_response(reply);
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error() == IcError::WrongType);

    const auto heartbeat = answered(build_heartbeat(v3, 1, 5));
    CHECK_FALSE(parse_heartbeat_response(std::span(heartbeat).first(35)).has_value());
    auto beat = parse_heartbeat_response(heartbeat);
    REQUIRE(beat.has_value());
    CHECK(beat->seq_num == 5);
}

TEST_CASE("the shutdown answer is its header status; the echoed body is not needed")
{
    const auto reply = answered(build_shutdown(v3, 1, {}), status_fail);
    auto status = parse_shutdown_response(std::span(reply).first(header_size));
    REQUIRE(status.has_value());
    CHECK(*status == status_fail);
}
