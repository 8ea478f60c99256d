// SPDX-License-Identifier: Apache-2.0
// UNMAP's parameter list (SBC-3): an 8-byte header, then 16-byte block descriptors. It is
// guest data-out, so every length in it is checked against the bytes actually sent.
#pragma once
#include "base/result.h"
#include "vmbus-lite/scsi/sense.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vmbus::scsi {

/// A run of `blocks` logical blocks starting at `lba`.
struct BlockRange {
    uint64_t lba { 0 };
    uint64_t blocks { 0 };
    bool operator==(const BlockRange&) const = default;
};

inline constexpr size_t unmap_header_size = 8;
inline constexpr size_t unmap_descriptor_size = 16;

/// Parses the first `parameter_list_length` bytes (the CDB's field) of `data_out`. A length of 0
/// is no ranges; a list shorter than its header, a header whose lengths run past the bytes sent,
/// or more than `max_descriptors` descriptors gives invalid_field_in_parameter_list. Descriptors
/// of 0 blocks are dropped; ranges are returned unchecked against any disk size.
vmm::Result<std::vector<BlockRange>, Sense> parse_unmap_parameters(
    std::span<const std::byte> data_out, uint16_t parameter_list_length, uint32_t max_descriptors);

} // namespace vmbus::scsi
