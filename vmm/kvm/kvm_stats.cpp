// SPDX-License-Identifier: Apache-2.0
#include "vmm/kvm/kvm_stats.h"

#include <cstring>
#include <linux/kvm.h>
#include <unistd.h>
#include <vector>

namespace vmm {

namespace {

/// struct kvm_stats_desc without its name: the uapi header declares the name with
/// __DECLARE_FLEX_ARRAY, which in C++ makes sizeof 20 instead of the ABI's 16.
struct DescHeader {
    uint32_t flags;
    int16_t exponent;
    uint16_t size;
    uint32_t offset;
    uint32_t bucket_size;
};
static_assert(sizeof(DescHeader) == kvm_stats_desc_header_size);

template<class T> bool read_at(std::span<const std::byte> bytes, uint64_t offset, T& out)
{
    if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) {
        return false;
    }
    std::memcpy(&out, bytes.data() + offset, sizeof(T));
    return true;
}

} // namespace

Result<KvmCounters> parse_kvm_stats(std::span<const std::byte> contents)
{
    kvm_stats_header header {};
    if (!read_at(contents, 0, header)) {
        return Error::out_of_range("KVM stats: short header");
    }
    const uint64_t desc_size = sizeof(DescHeader) + uint64_t(header.name_size);
    KvmCounters counters;
    for (uint64_t i = 0; i < header.num_desc; ++i) {
        const uint64_t at = header.desc_offset + i * desc_size;
        DescHeader desc {};
        if (!read_at(contents, at, desc)
            || contents.size() - at - sizeof(DescHeader) < header.name_size) {
            return Error::out_of_range("KVM stats: descriptor out of bounds");
        }
        const auto* name_start
            = reinterpret_cast<const char*>(contents.data() + at + sizeof(DescHeader));
        const std::string name(name_start, strnlen(name_start, header.name_size));
        const uint32_t type = desc.flags & KVM_STATS_TYPE_MASK;
        if (desc.size != 1
            || (type != KVM_STATS_TYPE_CUMULATIVE && type != KVM_STATS_TYPE_INSTANT)) {
            continue;
        }
        uint64_t value = 0;
        if (!read_at(contents, uint64_t(header.data_offset) + desc.offset, value)) {
            return Error::out_of_range("KVM stats: value out of bounds");
        }
        counters[name] = value;
    }
    return counters;
}

Result<KvmCounters> read_kvm_stats(int stats_fd)
{
    std::vector<std::byte> contents(64 * 1024);
    size_t length = 0;
    while (true) {
        const ssize_t n
            = ::pread(stats_fd, contents.data() + length, contents.size() - length, off_t(length));
        if (n < 0) {
            return Error::from_errno("reading KVM stats");
        }
        if (n == 0) {
            break;
        }
        length += size_t(n);
        if (length == contents.size()) {
            contents.resize(contents.size() * 2);
        }
    }
    return parse_kvm_stats(std::span(contents.data(), length));
}

} // namespace vmm
