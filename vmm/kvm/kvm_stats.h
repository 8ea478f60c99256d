// SPDX-License-Identifier: Apache-2.0
// KVM's binary statistics (KVM_GET_STATS_FD): a header, descriptors naming each counter, and the
// values. Used to count a VM's exits by reason (perf/boot, `partvm boot --stats`).
#pragma once
#include "base/result.h"

#include <cstdint>
#include <map>
#include <span>
#include <string>

namespace vmm {

/// Bytes of a descriptor before its name (struct kvm_stats_desc in the ABI).
inline constexpr size_t kvm_stats_desc_header_size = 16;

/// Counter name to value. Histograms and multi-value stats are left out.
using KvmCounters = std::map<std::string, uint64_t>;

/// Parses a whole stats file's contents; bounds-checked, since its layout comes from the kernel.
Result<KvmCounters> parse_kvm_stats(std::span<const std::byte> contents);

/// Reads and parses one stats fd.
Result<KvmCounters> read_kvm_stats(int stats_fd);

} // namespace vmm
