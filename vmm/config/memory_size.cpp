// SPDX-License-Identifier: Apache-2.0
// Parsing and printing of memory sizes (see memory_size.h for the accepted forms).
#include "vmm/config/memory_size.h"

#include "vmm/config/vm_config.h"

#include <fmt/core.h>

#include <array>
#include <charconv>
#include <limits>
#include <optional>

namespace vmm {
namespace {

struct Suffix {
    std::string_view name;
    unsigned shift;
};

// Every suffix is binary: "M" and "MiB" both mean 2^20, as in QEMU's -m and Cloud Hypervisor.
// A bare number means MiB, as QEMU's "-m 512" and the TOML form do: nobody sizes RAM in bytes, and
// the rare caller that must (partvm run, handing its VMM an exact size) says "B".
constexpr std::array<Suffix, 10> suffixes { {
    { "", 20 },
    { "B", 0 },
    { "K", 10 },
    { "KiB", 10 },
    { "M", 20 },
    { "MiB", 20 },
    { "G", 30 },
    { "GiB", 30 },
    { "T", 40 },
    { "TiB", 40 },
} };

bool equal_ignoring_case(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

std::optional<unsigned> suffix_shift(std::string_view suffix)
{
    for (const Suffix& candidate : suffixes) {
        if (equal_ignoring_case(candidate.name, suffix)) {
            return candidate.shift;
        }
    }
    return std::nullopt;
}

} // namespace

Result<uint64_t, std::string> parse_memory_size(std::string_view text)
{
    auto fail = [text](std::string_view why) {
        return unexpected(fmt::format("invalid memory size '{}': {}", text, why));
    };
    if (text.empty()) {
        return unexpected(std::string("invalid memory size: the value is empty"));
    }
    if (text.front() == '-') {
        return fail("must not be negative");
    }
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
        ++digits;
    }
    if (digits == 0) {
        return fail("expected a whole number with an optional suffix K, M, G or T");
    }
    uint64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + digits, number);
    if (ec == std::errc::result_out_of_range) {
        return fail("too large");
    }
    std::string_view suffix = text.substr(digits);
    std::optional<unsigned> shift = suffix_shift(suffix);
    if (!shift) {
        return fail(
            fmt::format("unknown suffix '{}' (use B, K, M, G, T, KiB, MiB, GiB or TiB)", suffix));
    }
    if (number == 0) {
        return fail("must be greater than zero");
    }
    if (number > (std::numeric_limits<uint64_t>::max() >> *shift)) {
        return fail("too large");
    }
    uint64_t bytes = number << *shift;
    if (bytes % memory_granule != 0) {
        return fail("not a multiple of 4 KiB");
    }
    return bytes;
}

Result<uint64_t, std::string> memory_size_from_mib(int64_t mib)
{
    if (mib < 0) {
        return unexpected(fmt::format("invalid memory size {} MiB: must not be negative", mib));
    }
    if (mib == 0) {
        return unexpected(std::string("invalid memory size 0 MiB: must be greater than zero"));
    }
    if (static_cast<uint64_t>(mib) > (std::numeric_limits<uint64_t>::max() >> 20)) {
        return unexpected(fmt::format("invalid memory size {} MiB: too large", mib));
    }
    return static_cast<uint64_t>(mib) << 20;
}

std::string format_memory_size(uint64_t bytes)
{
    static constexpr std::array<Suffix, 4> units { {
        { "TiB", 40 },
        { "GiB", 30 },
        { "MiB", 20 },
        { "KiB", 10 },
    } };
    for (const Suffix& unit : units) {
        uint64_t mask = (uint64_t { 1 } << unit.shift) - 1;
        if (bytes != 0 && (bytes & mask) == 0) {
            return fmt::format("{} {}", bytes >> unit.shift, unit.name);
        }
    }
    return fmt::format("{} bytes", bytes);
}

} // namespace vmm
