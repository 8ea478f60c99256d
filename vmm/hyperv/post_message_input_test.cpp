// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/hv_status.h"
#include "vmm/hyperv/post_message_input.h"

#include <cstring>
#include <doctest/doctest.h>

using namespace vmm::hyperv;

namespace {

using Page = std::array<std::byte, post_message_input_size>;

Page input_page(uint32_t connection_id, uint32_t type, uint32_t size, uint8_t fill = 0xab)
{
    Page page {};
    std::memcpy(page.data() + 0, &connection_id, 4);
    const uint32_t reserved = 0xffffffff; // Never looked at.
    std::memcpy(page.data() + 4, &reserved, 4);
    std::memcpy(page.data() + 8, &type, 4);
    std::memcpy(page.data() + 12, &size, 4);
    for (size_t i = 16; i < page.size(); ++i) {
        page[i] = std::byte(fill + i);
    }
    return page;
}

} // namespace

TEST_CASE("a Linux INITIATE_CONTACT input parses into a copy of its payload")
{
    auto page = input_page(4, 1, 40);
    auto input = parse_post_message_input(page).value();
    CHECK(input.connection_id == 4);
    CHECK(input.message_type == 1);
    REQUIRE(input.payload().size() == 40);
    CHECK(std::memcmp(input.payload().data(), page.data() + 16, 40) == 0);
    page[16] = std::byte(0); // The guest rewrites its page: the copy does not change.
    CHECK(input.payload()[0] == std::byte(0xab + 16));
}

TEST_CASE("the reserved top byte of the connection id is dropped")
{
    auto input = parse_post_message_input(input_page(0xff000001, 1, 0)).value();
    CHECK(input.connection_id == 1);
    CHECK(input.payload().empty());
}

TEST_CASE("a full 240-byte payload is accepted, 241 is not")
{
    auto full = parse_post_message_input(input_page(1, 1, 240));
    REQUIRE(full.has_value());
    CHECK(full->payload().size() == 240);
    CHECK(full->payload()[239] == std::byte(uint8_t(0xab + 255)));
    for (uint32_t size : { 241u, 256u, 0x80000000u, 0xffffffffu }) {
        auto too_big = parse_post_message_input(input_page(1, 1, size));
        REQUIRE_FALSE(too_big.has_value());
        CHECK(too_big.error() == HV_STATUS_INVALID_HYPERCALL_INPUT);
    }
}

TEST_CASE("message type 0 and the hypervisor's own types are refused")
{
    for (uint32_t type : { 0u, 0x80000000u, 0x80000010u, 0xffffffffu }) {
        auto parsed = parse_post_message_input(input_page(1, type, 8));
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error() == HV_STATUS_INVALID_HYPERCALL_INPUT);
    }
    CHECK(parse_post_message_input(input_page(1, 0x7fffffff, 8)).has_value());
}
