// SPDX-License-Identifier: Apache-2.0
// What the guest is told about one disk. Host-chosen (from the VM's config), validated once by
// ScsiDisk::create, then read by every response builder.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace vmbus::scsi {

/// The longest serial number served (VPD page 0x80 and the 0x83 designator carry it).
inline constexpr size_t max_serial_size = 32;
/// The most UNMAP block descriptors one command may carry (VPD page 0xB0 advertises it).
inline constexpr uint32_t max_unmap_descriptors = 256;

struct DiskConfig {
    uint32_t block_size { 512 }; ///< 512 or 4096.
    uint64_t block_count { 0 }; ///< At least 1.
    bool read_only { false };
    /// Printable ASCII, 1 to max_serial_size bytes, unique per disk: it makes the disk's identity
    /// (VPD page 0x83, Linux's wwid), and two disks of one identity look like two paths to one.
    std::string serial;
    bool discard { false }; ///< UNMAP and WRITE SAME(16) with UNMAP are served and advertised.
    uint32_t max_transfer_bytes { 1024 * 1024 }; ///< Per command; at least one block.
};

} // namespace vmbus::scsi
