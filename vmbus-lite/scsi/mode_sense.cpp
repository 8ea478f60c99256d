// SPDX-License-Identifier: Apache-2.0
// Layouts from SPC-4 (mode parameter headers, short block descriptor) and SBC-3 (caching page).
#include "vmbus-lite/scsi/mode_sense.h"

#include "vmbus-lite/scsi/big_endian.h"

#include <algorithm>

namespace vmbus::scsi {
namespace {

constexpr size_t header_6_size = 4;
constexpr size_t header_10_size = 8;
constexpr size_t block_descriptor_size = 8;
constexpr size_t caching_page_size = 20;
constexpr uint8_t page_control_changeable = 1;
constexpr uint8_t page_control_saved = 3;

/// Caching page: write cache enabled (WCE), read cache not disabled. Linux's sd then sends
/// SYNCHRONIZE CACHE on flushes, which the layer above turns into an fsync. The changeable
/// values mask is all zeros: MODE SELECT is not served.
void put_caching_page(std::span<std::byte> out, bool changeable)
{
    out[0] = std::byte { caching_page };
    out[1] = std::byte { caching_page_size - 2 };
    if (!changeable) {
        out[2] = std::byte { 0x04 }; // WCE
    }
}

/// Short block descriptor: block count (saturated, as SPC-4 says for 3 bytes) and block length.
void put_block_descriptor(std::span<std::byte> out, const DiskConfig& config)
{
    store_be(out, 1, 3, std::min<uint64_t>(config.block_count, 0xffffff));
    store_be(out, 5, 3, config.block_size);
}

} // namespace

vmm::Result<std::vector<std::byte>, Sense> mode_sense_data(
    const DiskConfig& config, const ModeSense& command)
{
    const bool page_ok = command.page == caching_page || command.page == all_pages;
    const bool subpage_ok
        = command.subpage == 0 || (command.page == all_pages && command.subpage == 0xff);
    if (!page_ok || !subpage_ok || command.page_control == page_control_saved) {
        return vmm::unexpected(invalid_field_in_cdb);
    }
    const size_t header = command.ten ? header_10_size : header_6_size;
    const size_t descriptors = command.disable_block_descriptors ? 0 : block_descriptor_size;
    std::vector<std::byte> out(header + descriptors + caching_page_size);

    // Device-specific parameter: WP (bit 7) makes Linux mark the disk read-only; DPOFUA (bit 4)
    // tells it FUA writes are honoured.
    const auto device_specific = std::byte((config.read_only ? 0x80 : 0) | 0x10);
    if (command.ten) {
        store_be(out, 0, 2, out.size() - 2); // mode data length excludes its own 2 bytes
        out[3] = device_specific;
        store_be(out, 6, 2, descriptors);
    } else {
        out[0] = std::byte(out.size() - 1);
        out[2] = device_specific;
        out[3] = std::byte(descriptors);
    }
    if (descriptors != 0) {
        put_block_descriptor(std::span(out).subspan(header, block_descriptor_size), config);
    }
    put_caching_page(std::span(out).subspan(header + descriptors),
        command.page_control == page_control_changeable);
    return out;
}

} // namespace vmbus::scsi
