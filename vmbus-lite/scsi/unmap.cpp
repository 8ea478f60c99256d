// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/scsi/unmap.h"

#include "vmbus-lite/scsi/big_endian.h"

#include <algorithm>

namespace vmbus::scsi {

vmm::Result<std::vector<BlockRange>, Sense> parse_unmap_parameters(
    std::span<const std::byte> data_out, uint16_t parameter_list_length, uint32_t max_descriptors)
{
    // SBC-3: a parameter list length of 0 is not an error; nothing is unmapped.
    if (parameter_list_length == 0) {
        return std::vector<BlockRange> {};
    }
    const auto list = data_out.first(std::min<size_t>(parameter_list_length, data_out.size()));
    if (list.size() < unmap_header_size) {
        return vmm::unexpected(invalid_field_in_parameter_list);
    }
    const uint64_t data_length = load_be(list, 0, 2); // bytes after this field
    const uint64_t descriptors_length = load_be(list, 2, 2);
    if (data_length + 2 > list.size() || descriptors_length + unmap_header_size > list.size()
        || descriptors_length + unmap_header_size > data_length + 2) {
        return vmm::unexpected(invalid_field_in_parameter_list);
    }
    // A trailing partial descriptor is ignored, as SBC-3 allows.
    const uint64_t count = descriptors_length / unmap_descriptor_size;
    if (count > max_descriptors) {
        return vmm::unexpected(invalid_field_in_parameter_list);
    }
    std::vector<BlockRange> ranges;
    ranges.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
        const size_t at = unmap_header_size + i * unmap_descriptor_size;
        const BlockRange range { load_be(list, at, 8), load_be(list, at + 8, 4) };
        if (range.blocks != 0) {
            ranges.push_back(range);
        }
    }
    return ranges;
}

} // namespace vmbus::scsi
