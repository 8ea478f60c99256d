// SPDX-License-Identifier: Apache-2.0
// Layouts from SPC-4 (standard INQUIRY data, pages 0x00, 0x80, 0x83) and SBC-3 (pages 0xB0, 0xB1,
// 0xB2); the fields filled are those Linux 6.1 reads in scsi_scan.c and sd.c.
#include "vmbus-lite/scsi/inquiry.h"

#include "vmbus-lite/scsi/big_endian.h"

#include <algorithm>
#include <string_view>

namespace vmbus::scsi {
namespace {

// Linux's storvsc keys its Hyper-V handling (SCSI level, WRITE SAME) on this vendor id, so partvm
// answers as Hyper-V's disks do.
constexpr std::string_view vendor_id = "Msft    ";
constexpr std::string_view product_id = "Virtual Disk    ";
constexpr std::string_view product_revision = "1.0 ";

constexpr size_t vpd_header_size = 4;
/// Pages 0xB0 and 0xB1 have a fixed 0x3C bytes after the header (SBC-3).
constexpr size_t long_vpd_page_size = 64;

void put_text(std::vector<std::byte>& out, size_t offset, std::string_view text)
{
    std::transform(text.begin(), text.end(), out.begin() + static_cast<ptrdiff_t>(offset),
        [](char c) { return std::byte(c); });
}

/// A page of `size` bytes with its header: peripheral type 0 (disk), page code, page length.
std::vector<std::byte> vpd_with_header(uint8_t page, size_t size)
{
    std::vector<std::byte> out(size);
    out[1] = std::byte { page };
    store_be(out, 2, 2, size - vpd_header_size);
    return out;
}

std::vector<std::byte> supported_pages(const DiskConfig& config)
{
    std::vector<uint8_t> pages { vpd::supported_pages, vpd::unit_serial_number,
        vpd::device_identification, vpd::block_limits, vpd::block_device_characteristics };
    if (config.discard) {
        pages.push_back(vpd::logical_block_provisioning);
    }
    auto out = vpd_with_header(vpd::supported_pages, vpd_header_size + pages.size());
    std::transform(pages.begin(), pages.end(), out.begin() + vpd_header_size,
        [](uint8_t page) { return std::byte { page }; });
    return out;
}

std::vector<std::byte> unit_serial_number(const DiskConfig& config)
{
    auto out = vpd_with_header(vpd::unit_serial_number, vpd_header_size + config.serial.size());
    put_text(out, vpd_header_size, config.serial);
    return out;
}

/// One T10 vendor id designator (type 1, ASCII, associated with the logical unit): the vendor id
/// followed by the serial, which makes it unique per disk for Linux's wwid and by-id links.
std::vector<std::byte> device_identification(const DiskConfig& config)
{
    constexpr size_t designator_header = 4;
    const size_t designator = vendor_id.size() + config.serial.size();
    auto out = vpd_with_header(
        vpd::device_identification, vpd_header_size + designator_header + designator);
    out[4] = std::byte { 0x02 }; // code set: ASCII
    out[5] = std::byte { 0x01 }; // association: logical unit; designator type: T10 vendor id
    out[7] = std::byte(designator);
    put_text(out, 8, vendor_id);
    put_text(out, 8 + vendor_id.size(), config.serial);
    return out;
}

std::vector<std::byte> block_limits(const DiskConfig& config)
{
    auto out = vpd_with_header(vpd::block_limits, long_vpd_page_size);
    const uint32_t max_blocks = config.max_transfer_bytes / config.block_size;
    out[4] = std::byte { 0x01 }; // WSNZ: a WRITE SAME of 0 blocks is refused, not "whole disk"
    store_be(out, 8, 4, max_blocks); // maximum transfer length
    store_be(out, 12, 4, max_blocks); // optimal transfer length
    if (config.discard) {
        store_be(out, 20, 4, max_blocks); // maximum UNMAP LBA count
        store_be(out, 24, 4, max_unmap_descriptors);
        store_be(out, 28, 4, 1); // optimal unmap granularity: any block
        store_be(out, 36, 8, max_blocks); // maximum WRITE SAME length
    }
    return out;
}

std::vector<std::byte> block_device_characteristics()
{
    auto out = vpd_with_header(vpd::block_device_characteristics, long_vpd_page_size);
    store_be(out, 4, 2, 1); // medium rotation rate 1: non-rotating, so Linux clears "rotational"
    return out;
}

std::vector<std::byte> logical_block_provisioning()
{
    auto out = vpd_with_header(vpd::logical_block_provisioning, 8);
    out[5] = std::byte { 0xc0 }; // LBPU (UNMAP) and LBPWS (WRITE SAME(16) with UNMAP)
    out[6] = std::byte { 0x02 }; // provisioning type: thin
    return out;
}

} // namespace

std::vector<std::byte> standard_inquiry()
{
    std::vector<std::byte> out(standard_inquiry_size);
    // Byte 0: qualifier 0 (connected), peripheral type 0 (direct access); byte 1: not removable.
    out[2] = std::byte { 0x05 }; // version: SPC-3, so Linux tries READ CAPACITY(16) and VPD pages
    out[3] = std::byte { 0x02 }; // response data format 2
    out[4] = std::byte { standard_inquiry_size - 5 }; // additional length: bytes after byte 4
    out[7] = std::byte { 0x02 }; // CMDQUE: tagged queueing, so Linux queues more than one command
    put_text(out, 8, vendor_id);
    put_text(out, 16, product_id);
    put_text(out, 32, product_revision);
    return out;
}

std::vector<std::byte> absent_lun_inquiry()
{
    std::vector<std::byte> out(standard_inquiry_size);
    out[0] = std::byte { 0x7f };
    out[2] = std::byte { 0x05 };
    out[3] = std::byte { 0x02 };
    out[4] = std::byte { standard_inquiry_size - 5 };
    return out;
}

vmm::Result<std::vector<std::byte>, Sense> vpd_page(const DiskConfig& config, uint8_t page)
{
    switch (page) {
    case vpd::supported_pages:
        return supported_pages(config);
    case vpd::unit_serial_number:
        return unit_serial_number(config);
    case vpd::device_identification:
        return device_identification(config);
    case vpd::block_limits:
        return block_limits(config);
    case vpd::block_device_characteristics:
        return block_device_characteristics();
    case vpd::logical_block_provisioning:
        if (config.discard) {
            return logical_block_provisioning();
        }
        break;
    default:
        break;
    }
    return vmm::unexpected(invalid_field_in_cdb);
}

} // namespace vmbus::scsi
