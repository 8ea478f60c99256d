// SPDX-License-Identifier: Apache-2.0
// A guest-physical address, kept distinct from host pointers and plain integers.
#pragma once
#include <compare>
#include <cstdint>

namespace vmm {

struct GuestAddress {
    uint64_t value { 0 };

    constexpr GuestAddress() = default;
    constexpr explicit GuestAddress(uint64_t v)
        : value(v)
    {
    }
    constexpr GuestAddress operator+(uint64_t offset) const { return GuestAddress(value + offset); }
    constexpr auto operator<=>(const GuestAddress&) const = default;
};

constexpr uint64_t page_size = 4096;

} // namespace vmm
