// SPDX-License-Identifier: Apache-2.0
#include "vmm/config/suggest.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace vmm;

namespace {
const std::vector<std::string> machine_keys { "memory", "vcpus" };
}

TEST_CASE("edit distance counts a swap of adjacent letters as one edit")
{
    CHECK(edit_distance("memroy", "memory") == 1);
    CHECK(edit_distance("kernal", "kernel") == 1);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("abc", "abc") == 0);
}

TEST_CASE("edit distance ignores ASCII case")
{
    CHECK(edit_distance("Memory", "memory") == 0);
}

TEST_CASE("closest match suggests the key a typo was meant to be")
{
    CHECK(closest_match("memroy", machine_keys) == "memory");
    CHECK(closest_match("cpus", machine_keys) == "vcpus");
    CHECK(closest_match("vcpu", machine_keys) == "vcpus");
}

TEST_CASE("closest match suggests nothing for an unrelated word")
{
    CHECK_FALSE(closest_match("disk", machine_keys).has_value());
    CHECK_FALSE(closest_match("mem", machine_keys).has_value());
    CHECK_FALSE(closest_match(std::string(1000, 'm'), machine_keys).has_value());
}

TEST_CASE("closest match allows fewer edits for short keys")
{
    const std::vector<std::string> keys { "net" };
    CHECK(closest_match("nt", keys) == "net");
    CHECK_FALSE(closest_match("n", keys).has_value());
}
