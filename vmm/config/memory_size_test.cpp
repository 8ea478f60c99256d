// SPDX-License-Identifier: Apache-2.0
#include "vmm/config/memory_size.h"

#include <doctest/doctest.h>

using namespace vmm;

TEST_CASE("memory size accepts every binary suffix")
{
    CHECK(parse_memory_size("256M").value() == 256ull << 20);
    CHECK(parse_memory_size("1G").value() == 1ull << 30);
    CHECK(parse_memory_size("512MiB").value() == 512ull << 20);
    CHECK(parse_memory_size("2GiB").value() == 2ull << 30);
    CHECK(parse_memory_size("1024K").value() == 1024ull << 10);
    CHECK(parse_memory_size("8KiB").value() == 8ull << 10);
    CHECK(parse_memory_size("1T").value() == 1ull << 40);
    CHECK(parse_memory_size("1TiB").value() == 1ull << 40);
}

TEST_CASE("memory size suffixes ignore case")
{
    CHECK(parse_memory_size("256m").value() == 256ull << 20);
    CHECK(parse_memory_size("2gib").value() == 2ull << 30);
    CHECK(parse_memory_size("4k").value() == 4096);
}

TEST_CASE("memory size without suffix counts MiB, as the TOML form does; B counts bytes")
{
    CHECK(parse_memory_size("256").value() == 256ull << 20);
    CHECK(parse_memory_size("268435456B").value() == 268435456);
    CHECK(parse_memory_size("4096b").value() == 4096);
}

TEST_CASE("memory size rejects an empty value")
{
    CHECK(parse_memory_size("").error() == "invalid memory size: the value is empty");
}

TEST_CASE("memory size rejects a negative value and names it")
{
    CHECK(parse_memory_size("-1G").error() == "invalid memory size '-1G': must not be negative");
}

TEST_CASE("memory size rejects zero")
{
    CHECK(parse_memory_size("0").error() == "invalid memory size '0': must be greater than zero");
    CHECK(parse_memory_size("0M").error() == "invalid memory size '0M': must be greater than zero");
}

TEST_CASE("memory size rejects an unknown suffix and lists the known ones")
{
    CHECK(parse_memory_size("256MB").error()
        == "invalid memory size '256MB': unknown suffix 'MB' (use B, K, M, G, T, KiB, MiB, GiB or "
           "TiB)");
    CHECK_FALSE(parse_memory_size("1.5G").has_value());
    CHECK_FALSE(parse_memory_size("256 M").has_value());
}

TEST_CASE("memory size rejects text that does not start with a number")
{
    CHECK(parse_memory_size("lots").error()
        == "invalid memory size 'lots': expected a whole number with an optional suffix K, M, G "
           "or T");
    CHECK_FALSE(parse_memory_size("+1G").has_value());
    CHECK_FALSE(parse_memory_size(" 1G").has_value());
}

TEST_CASE("memory size rejects numbers that overflow 64 bits")
{
    CHECK(parse_memory_size("18446744073709551616").error()
        == "invalid memory size '18446744073709551616': too large");
    CHECK(parse_memory_size("16777216T").error() == "invalid memory size '16777216T': too large");
    CHECK(parse_memory_size("16777215T").value() == 16777215ull << 40);
}

TEST_CASE("memory size rejects a value that is not a whole number of 4 KiB pages")
{
    CHECK(parse_memory_size("1K").error() == "invalid memory size '1K': not a multiple of 4 KiB");
    CHECK(parse_memory_size("4097B").error()
        == "invalid memory size '4097B': not a multiple of 4 KiB");
}

TEST_CASE("memory size from MiB converts and rejects nonsense")
{
    CHECK(memory_size_from_mib(512).value() == 512ull << 20);
    CHECK(
        memory_size_from_mib(0).error() == "invalid memory size 0 MiB: must be greater than zero");
    CHECK(memory_size_from_mib(-5).error() == "invalid memory size -5 MiB: must not be negative");
    CHECK(memory_size_from_mib(1ll << 44).error()
        == "invalid memory size 17592186044416 MiB: too large");
    CHECK(memory_size_from_mib((1ll << 44) - 1).value() == ((1ull << 44) - 1) << 20);
}

TEST_CASE("memory size formats with the largest exact unit")
{
    CHECK(format_memory_size(256ull << 20) == "256 MiB");
    CHECK(format_memory_size(1ull << 40) == "1 TiB");
    CHECK(format_memory_size(1536ull << 20) == "1536 MiB");
    CHECK(format_memory_size(4100) == "4100 bytes");
    CHECK(format_memory_size(0) == "0 bytes");
}
