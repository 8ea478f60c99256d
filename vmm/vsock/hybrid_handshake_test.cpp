// SPDX-License-Identifier: Apache-2.0
#include "vmm/vsock/hybrid_handshake.h"

#include <doctest/doctest.h>
#include <optional>

using namespace vmm;

namespace {

std::optional<ConnectRequest> request(std::string_view text)
{
    auto parsed = parse_connect_request(text);
    if (auto* connect = std::get_if<ConnectRequest>(&parsed)) {
        return *connect;
    }
    return std::nullopt;
}

bool needs_more(std::string_view text)
{
    return std::holds_alternative<NeedMore>(parse_connect_request(text));
}

bool bad(std::string_view text)
{
    return std::holds_alternative<BadRequest>(parse_connect_request(text));
}

} // namespace

TEST_CASE("hybrid handshake: CONNECT <port> and what follows it")
{
    auto plain = request("CONNECT 52\n");
    REQUIRE(plain);
    CHECK(plain->port == 52);
    CHECK(plain->early_data.empty());

    auto early = request("CONNECT 4294967295\r\nhello");
    REQUIRE(early);
    CHECK(early->port == 4294967295u);
    CHECK(early->early_data == "hello");

    auto spaced = request("CONNECT   7\n");
    REQUIRE(spaced);
    CHECK(spaced->port == 7);
}

TEST_CASE("hybrid handshake: partial lines wait; anything else is refused")
{
    CHECK(needs_more(""));
    CHECK(needs_more("CONN"));
    CHECK(needs_more("CONNECT 52"));
    CHECK(bad("CONNECT\n"));
    CHECK(bad("CONNECT \n"));
    CHECK(bad("connect 52\n"));
    CHECK(bad("CONNECT 52 53\n"));
    CHECK(bad("CONNECT -1\n"));
    CHECK(bad("CONNECT 4294967296\n"));
    CHECK(bad("CONNECTX 5\n"));
    CHECK(bad("GET / HTTP/1.1\n"));
    CHECK(bad(std::string(200, 'C')));
    CHECK(bad("CONNECT " + std::string(100, '0') + "1\n"));
}

TEST_CASE("hybrid handshake: the answer")
{
    CHECK(ok_line(1073741824) == "OK 1073741824\n");
}
