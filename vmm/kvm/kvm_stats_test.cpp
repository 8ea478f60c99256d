// SPDX-License-Identifier: Apache-2.0
#include "vmm/kvm/kvm_stats.h"

#include <cstring>
#include <doctest/doctest.h>
#include <linux/kvm.h>
#include <vector>

using namespace vmm;

namespace {

constexpr uint32_t name_size = 16;

/// A stats file as KVM lays it out: header, descriptors, then the data block.
std::vector<std::byte> stats_file(
    const std::vector<std::pair<std::string, uint64_t>>& counters, uint32_t extra_flags = 0)
{
    const size_t desc_size = kvm_stats_desc_header_size + name_size;
    kvm_stats_header header {};
    header.name_size = name_size;
    header.num_desc = uint32_t(counters.size());
    header.desc_offset = sizeof(header);
    header.data_offset = uint32_t(sizeof(header) + desc_size * counters.size());
    std::vector<std::byte> file(header.data_offset + 8 * counters.size());
    std::memcpy(file.data(), &header, sizeof(header));
    for (size_t i = 0; i < counters.size(); ++i) {
        // flags, exponent, size, offset, bucket_size: the ABI's 16 bytes.
        const uint32_t flags = KVM_STATS_TYPE_CUMULATIVE | extra_flags;
        const uint16_t size = 1;
        const uint32_t offset = uint32_t(8 * i);
        std::byte* at = file.data() + header.desc_offset + desc_size * i;
        std::memcpy(at, &flags, 4);
        std::memcpy(at + 6, &size, 2);
        std::memcpy(at + 8, &offset, 4);
        std::memcpy(
            at + kvm_stats_desc_header_size, counters[i].first.c_str(), counters[i].first.size());
        std::memcpy(file.data() + header.data_offset + offset, &counters[i].second, 8);
    }
    return file;
}

} // namespace

TEST_CASE("counters come out by name")
{
    auto counters = parse_kvm_stats(stats_file({ { "exits", 1234 }, { "io_exits", 56 } }));
    REQUIRE(counters);
    CHECK(counters->at("exits") == 1234);
    CHECK(counters->at("io_exits") == 56);
}

TEST_CASE("histograms are skipped; truncated files are errors, not reads past the end")
{
    CHECK(
        parse_kvm_stats(stats_file({ { "halt_wait_hist", 1 } }, KVM_STATS_TYPE_LOG_HIST))->empty());
    auto file = stats_file({ { "exits", 1 } });
    for (size_t cut : { size_t(0), size_t(10), file.size() - 1 }) {
        CAPTURE(cut);
        CHECK_FALSE(parse_kvm_stats(std::span(file.data(), cut)));
    }
}
