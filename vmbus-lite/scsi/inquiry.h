// SPDX-License-Identifier: Apache-2.0
// INQUIRY data: the standard page Linux's scsi_scan reads for every LUN, and the vital product
// data pages sd reads at probe (docs/scsi.md says what each carries and why).
#pragma once
#include "base/result.h"
#include "vmbus-lite/scsi/disk_config.h"
#include "vmbus-lite/scsi/sense.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vmbus::scsi {

/// VPD page codes served.
namespace vpd {
inline constexpr uint8_t supported_pages = 0x00;
inline constexpr uint8_t unit_serial_number = 0x80;
inline constexpr uint8_t device_identification = 0x83;
inline constexpr uint8_t block_limits = 0xb0;
inline constexpr uint8_t block_device_characteristics = 0xb1;
inline constexpr uint8_t logical_block_provisioning = 0xb2;
} // namespace vpd

inline constexpr size_t standard_inquiry_size = 36;

/// The 36-byte standard INQUIRY data of a present direct-access disk, untruncated.
std::vector<std::byte> standard_inquiry();

/// The standard INQUIRY data for an address with no LUN behind it: peripheral qualifier 3 ("not
/// capable of supporting a device here") and type 0x1F, so Linux's scan adds nothing there.
std::vector<std::byte> absent_lun_inquiry();

/// VPD page `page` for `config`, untruncated; a page not served (0xB2 without discard included)
/// gives invalid_field_in_cdb.
vmm::Result<std::vector<std::byte>, Sense> vpd_page(const DiskConfig& config, uint8_t page);

} // namespace vmbus::scsi
