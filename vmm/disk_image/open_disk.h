// SPDX-License-Identifier: Apache-2.0
// The host side of a [[disk]]: its image file or block device opened, sized and locked, so the
// storage device only reads and writes an fd. Opening touches the host (not pure) but no KVM: it
// runs before the VM exists, and every failure is the user's to fix (exit status 2).
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"
#include "vmm/config/vm_config.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vmm {

/// The sector size the guest sees; image and device sizes must be whole sectors.
inline constexpr uint32_t disk_block_size = 512;

/// Why a disk cannot be used: one sentence naming the file and the reason (strerror).
struct DiskOpenError {
    std::string message;
};

/// One open disk. Owns the fd; while it lives, the disk holds its advisory lock.
struct OpenedDisk {
    std::string path; ///< As configured, for messages.
    UniqueFd fd; ///< O_CLOEXEC; O_RDWR or O_RDONLY; O_DIRECT when asked for.
    uint64_t size_bytes { 0 }; ///< A non-zero multiple of block_size.
    uint32_t block_size { disk_block_size };
    bool block_device { false }; ///< A block device node, not a regular file.
    bool read_only { false };
    bool direct { false };
    /// The serial the guest sees: the configured one, else (open_disks) "partvm-disk-<index>".
    std::string serial;

    uint64_t block_count() const { return size_bytes / block_size; }
};

/// Opens disk.path (O_RDWR, or O_RDONLY when read_only; O_CLOEXEC; O_DIRECT when direct): a
/// regular file (sized by fstat) or a block device (BLKGETSIZE64), nothing else, of a non-zero
/// whole number of 512-byte sectors. Takes flock(LOCK_EX | LOCK_NB) when writable and LOCK_SH
/// when read-only, so two VMs never write one image, nor one writes what another reads.
Result<OpenedDisk, DiskOpenError> open_disk(const DiskConfig& disk);

/// Every disk of a VM in LUN order, serials filled in (disk_serial()). Refuses a file or block
/// device given twice (even by different paths). Stops at the first failure, whose message
/// begins "disk[N]: ".
Result<std::vector<OpenedDisk>, DiskOpenError> open_disks(std::span<const DiskConfig> disks);

} // namespace vmm
