// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/protocol/parse.h"

#include <cstring>
#include <doctest/doctest.h>

using namespace vmbus;

namespace {

template<class T> std::vector<std::byte> encode(const T& message, size_t extra = 0)
{
    std::vector<std::byte> bytes(sizeof(T) + extra);
    std::memcpy(bytes.data(), &message, sizeof(T));
    return bytes;
}

/// A GPADL_HEADER as Linux builds it: one range, byte_offset 0, then `carried` PFNs.
std::vector<std::byte> gpadl_header(uint32_t pages, uint32_t carried, uint16_t range_buflen)
{
    GpadlHeaderMessage header { { MessageType::GpadlHeader, 0 }, 7, 0xe1e10, range_buflen, 1 };
    auto bytes = encode(header, 8 + carried * 8);
    const uint32_t range[2] = { pages * 4096, 0 };
    std::memcpy(bytes.data() + sizeof(header), range, sizeof(range));
    for (uint32_t i = 0; i < carried; ++i) {
        const uint64_t pfn = 0x100 + i;
        std::memcpy(bytes.data() + sizeof(header) + 8 + i * 8, &pfn, 8);
    }
    return bytes;
}

} // namespace

TEST_CASE("INITIATE_CONTACT parses into its version and target vCPU")
{
    InitiateContactMessage contact { { MessageType::InitiateContact, 0 }, 0x00050003, 1, 2, 0, 0 };
    auto parsed = parse_guest_message(encode(contact));
    REQUIRE(parsed.has_value());
    const auto& message = std::get<InitiateContactMessage>(*parsed);
    CHECK(message.vmbus_version_requested == 0x00050003);
    CHECK(message.target_vcpu == 1);
}

TEST_CASE("a message shorter than its type's fixed part is truncated")
{
    OpenChannelMessage open {};
    open.header.msgtype = MessageType::OpenChannel;
    auto bytes = encode(open);
    bytes.resize(100);
    CHECK(parse_guest_message(bytes).error() == ProtocolError::Truncated);
}

TEST_CASE("messages over 240 bytes and host-to-guest types are refused")
{
    CHECK(parse_guest_message(std::vector<std::byte>(241)).error() == ProtocolError::TooLong);
    MessageHeader offer { MessageType::OfferChannel, 0 };
    CHECK(parse_guest_message(encode(offer)).error() == ProtocolError::UnknownType);
    MessageHeader bogus { static_cast<MessageType>(9999), 0 };
    CHECK(parse_guest_message(encode(bogus)).error() == ProtocolError::UnknownType);
}

TEST_CASE("a GPADL header keeps the PFNs it carries and the total the GPADL needs")
{
    auto parsed = parse_guest_message(gpadl_header(30, 26, 8 + 30 * 8));
    REQUIRE(parsed.has_value());
    const auto& header = std::get<GpadlHeader>(*parsed);
    CHECK(header.gpadl == 0xe1e10);
    CHECK(header.page_count == 30);
    CHECK(header.pfns.size() == 26);
    CHECK(header.pfns.back() == 0x100 + 25);
}

TEST_CASE("a GPADL header whose range_buflen disagrees with its byte count is refused")
{
    CHECK(parse_guest_message(gpadl_header(30, 26, 8 + 29 * 8)).error()
        == ProtocolError::BadGpadlRange);
}

TEST_CASE("a GPADL with several ranges or none is refused")
{
    auto bytes = gpadl_header(2, 2, 8 + 2 * 8);
    const uint16_t two = 2;
    std::memcpy(bytes.data() + 18, &two, sizeof(two));
    CHECK(parse_guest_message(bytes).error() == ProtocolError::BadGpadlRange);
    const uint16_t none = 0;
    std::memcpy(bytes.data() + 18, &none, sizeof(none));
    CHECK(parse_guest_message(bytes).error() == ProtocolError::BadGpadlRange);
}

TEST_CASE("a GPADL body yields its PFNs, ignoring a trailing partial one")
{
    GpadlBodyMessage body { { MessageType::GpadlBody, 0 }, 0, 0xe1e10 };
    auto bytes = encode(body, 3 * 8 + 5);
    const uint64_t pfn = 0xabc;
    std::memcpy(bytes.data() + sizeof(body) + 8, &pfn, 8);
    auto parsed = parse_guest_message(bytes);
    REQUIRE(parsed.has_value());
    const auto& message = std::get<GpadlBody>(*parsed);
    CHECK(message.pfns.size() == 3);
    CHECK(message.pfns[1] == 0xabc);
}
