// SPDX-License-Identifier: Apache-2.0
// ScsiDisk: one logical unit's answers to parsed commands. It answers from memory (INQUIRY, READ
// CAPACITY, MODE SENSE, ...) or hands back the I/O to perform, already checked against the disk:
// the layer above moves the data, runs the I/O and reports its outcome. Stateless and pure.
#pragma once
#include "base/result.h"
#include "vmbus-lite/scsi/cdb.h"
#include "vmbus-lite/scsi/disk_config.h"
#include "vmbus-lite/scsi/sense.h"
#include "vmbus-lite/scsi/unmap.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

namespace vmbus::scsi {

/// GOOD status with this data-in (possibly empty), already truncated to the allocation length
/// and the guest's buffer.
struct DataIn {
    std::vector<std::byte> bytes;
};
/// Read `blocks` (at least 1) blocks from `lba` into the guest's buffer, then GOOD.
struct Read {
    uint64_t lba { 0 };
    uint32_t blocks { 0 };
};
/// Write `blocks` (at least 1) blocks at `lba` from the guest's buffer; `fua`: durable before GOOD.
struct Write {
    uint64_t lba { 0 };
    uint32_t blocks { 0 };
    bool fua { false };
};
/// Make every completed write durable, then GOOD.
struct Flush { };
/// Deallocate these ranges (none empty), then GOOD.
struct Discard {
    std::vector<BlockRange> ranges;
};
/// CHECK CONDITION with this sense.
struct Failure {
    Sense sense;
};

using Answer = std::variant<DataIn, Read, Write, Flush, Discard, Failure>;

class ScsiDisk {
public:
    /// Checks `config`: block size 512 or 4096, at least one block and a byte size that fits 64
    /// bits, a printable serial of 1 to max_serial_size bytes, a max transfer of a block or
    /// more.
    static vmm::Result<ScsiDisk> create(DiskConfig config);

    const DiskConfig& config() const { return m_config; }

    /// The most blocks one READ or WRITE may move (VPD page 0xB0's maximum transfer length).
    uint32_t max_transfer_blocks() const
    {
        return m_config.max_transfer_bytes / m_config.block_size;
    }

    /// Answers `command`. `data_out` is what the guest sent (UNMAP's parameter list; ignored
    /// otherwise); `buffer_length` is the guest's data buffer length, which caps data-in. For Read
    /// and Write the caller must compare blocks * block_size with its buffer: a mismatch is its
    /// error to report (a data overrun), never a partial transfer.
    Answer execute(
        const Command& command, std::span<const std::byte> data_out, size_t buffer_length) const;

private:
    explicit ScsiDisk(DiskConfig config)
        : m_config(std::move(config))
    {
    }

    bool in_range(uint64_t lba, uint64_t blocks) const;
    Answer read_write(const ReadWrite& command) const;
    Answer unmap(const Unmap& command, std::span<const std::byte> data_out) const;
    Answer write_same(const WriteSame16& command) const;
    Answer synchronize_cache(const SynchronizeCache& command) const;
    std::vector<std::byte> capacity_16() const;

    DiskConfig m_config;
};

/// REPORT LUNS data for a target holding `luns` (each below 256, single-level addressing): the
/// list length, then one 8-byte entry per LUN. Untruncated.
std::vector<std::byte> report_luns_data(std::span<const uint8_t> luns);

/// The answer to REPORT LUNS sent to any LUN of a target holding `luns`: the target answers it,
/// whichever of its LUNs (present or not) the command was addressed to.
Answer report_luns(const ReportLuns& command, std::span<const uint8_t> luns, size_t buffer_length);

/// The answer for an address with no LUN behind it, where SPC-4 defines one: standard INQUIRY
/// (absent_lun_inquiry; a VPD page is refused) and REPORT LUNS (the target's `luns`). nullopt for
/// every other command: the transport then reports the LUN as missing (for storvsc, INVALID_LUN).
std::optional<Answer> execute_without_lun(
    const Command& command, std::span<const uint8_t> luns, size_t buffer_length);

} // namespace vmbus::scsi
