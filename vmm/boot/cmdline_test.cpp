// SPDX-License-Identifier: Apache-2.0
#include "vmm/boot/cmdline.h"

#include "vmm/layout/layout.h"

#include <doctest/doctest.h>

#include <string>

using namespace vmm;

namespace {

constexpr uint64_t mib = 1ull << 20;

LoadedKernel kernel_accepting(uint32_t limit)
{
    LoadedKernel kernel;
    kernel.cmdline_limit = limit;
    return kernel;
}

char char_at(const GuestMemory& memory, uint64_t address)
{
    return memory.read_obj<char>(GuestAddress(address)).value();
}

} // namespace

TEST_CASE("command line exactly at the kernel's limit is written with its NUL")
{
    auto memory = GuestMemory::allocate_for_test(4 * mib);
    const std::string cmdline(2047, 'a');
    REQUIRE(memory.fill(GuestAddress(layout::cmdline_start), 4096, std::byte { 0xff }));
    auto placement = write_cmdline(memory, cmdline, kernel_accepting(2047)).value();
    CHECK(placement.address == GuestAddress(layout::cmdline_start));
    CHECK(placement.size == 2048);
    CHECK(char_at(memory, layout::cmdline_start + 2046) == 'a');
    CHECK(char_at(memory, layout::cmdline_start + 2047) == '\0');
}

TEST_CASE("command line one byte over the limit is rejected with both numbers")
{
    auto memory = GuestMemory::allocate_for_test(4 * mib);
    auto result = write_cmdline(memory, std::string(2048, 'a'), kernel_accepting(2047));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == BootErrc::CmdlineTooLong);
    CHECK(result.error().message()
        == "kernel command line is 2048 bytes; this kernel accepts at most 2047");
}

TEST_CASE("command line with an embedded NUL is rejected")
{
    auto memory = GuestMemory::allocate_for_test(4 * mib);
    using namespace std::string_literals;
    auto result = write_cmdline(memory, "console=ttyS0\0init=/evil"s, kernel_accepting(2047));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == BootErrc::CmdlineHasNul);
    CHECK(result.error().value == 13);
}

TEST_CASE("empty command line is a lone NUL")
{
    auto memory = GuestMemory::allocate_for_test(4 * mib);
    auto placement = write_cmdline(memory, "", kernel_accepting(2047)).value();
    CHECK(placement.size == 1);
    CHECK(char_at(memory, layout::cmdline_start) == '\0');
}

TEST_CASE("command line limit never exceeds partvm's buffer")
{
    auto memory = GuestMemory::allocate_for_test(4 * mib);
    const std::string cmdline(layout::cmdline_max_size, 'a');
    auto result = write_cmdline(memory, cmdline, kernel_accepting(0xffffffff));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().limit == layout::cmdline_max_size - 1);
}
