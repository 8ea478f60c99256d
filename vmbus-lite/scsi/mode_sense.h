// SPDX-License-Identifier: Apache-2.0
// MODE SENSE(6)/(10) data: the header (write protect, FUA support), an optional short block
// descriptor, and the caching mode page, which is all Linux's sd asks for (docs/scsi.md).
#pragma once
#include "base/result.h"
#include "vmbus-lite/scsi/cdb.h"
#include "vmbus-lite/scsi/disk_config.h"
#include "vmbus-lite/scsi/sense.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vmbus::scsi {

inline constexpr uint8_t caching_page = 0x08;
inline constexpr uint8_t all_pages = 0x3f;

/// The full (untruncated) mode parameter data for `command`. Pages other than the caching page
/// and "all pages", subpages other than 0 (and 0xFF with all pages), and saved values (page
/// control 3) give invalid_field_in_cdb. The mode data length field counts the full data, as
/// SPC-4 requires, even when the caller then truncates it to the allocation length.
vmm::Result<std::vector<std::byte>, Sense> mode_sense_data(
    const DiskConfig& config, const ModeSense& command);

} // namespace vmbus::scsi
