// SPDX-License-Identifier: Apache-2.0
// Command semantics from SBC-3 (READ CAPACITY, READ/WRITE, SYNCHRONIZE CACHE, UNMAP, WRITE SAME)
// and SPC-4 (REPORT LUNS, REQUEST SENSE, allocation length truncation).
#include "vmbus-lite/scsi/disk.h"

#include "vmbus-lite/scsi/big_endian.h"
#include "vmbus-lite/scsi/inquiry.h"
#include "vmbus-lite/scsi/mode_sense.h"

#include <algorithm>

namespace vmbus::scsi {
namespace {

constexpr size_t capacity_10_size = 8;
constexpr size_t capacity_16_size = 32;
/// SPC-4: REPORT LUNS with an allocation length under 16 is an invalid CDB.
constexpr uint32_t report_luns_min_allocation = 16;
constexpr uint8_t report_luns_max_select = 2;

bool printable(const std::string& text)
{
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

/// GOOD with `bytes` cut to what the guest asked for and what its buffer holds.
Answer data_in(std::vector<std::byte> bytes, size_t allocation_length, size_t buffer_length)
{
    bytes.resize(std::min({ bytes.size(), allocation_length, buffer_length }));
    return DataIn { std::move(bytes) };
}

Answer data_in(vmm::Result<std::vector<std::byte>, Sense> built, size_t allocation_length,
    size_t buffer_length)
{
    if (!built) {
        return Failure { built.error() };
    }
    return data_in(std::move(built).value(), allocation_length, buffer_length);
}

} // namespace

vmm::Result<ScsiDisk> ScsiDisk::create(DiskConfig config)
{
    if (config.block_size != 512 && config.block_size != 4096) {
        return vmm::Error::invalid("scsi disk: block size must be 512 or 4096");
    }
    if (config.block_count == 0 || config.block_count > UINT64_MAX / config.block_size) {
        return vmm::Error::invalid(
            "scsi disk: block count must be at least 1 and fit 64-bit bytes");
    }
    if (config.serial.empty() || config.serial.size() > max_serial_size
        || !printable(config.serial)) {
        return vmm::Error::invalid("scsi disk: serial must be printable ASCII, 1 to 32 bytes");
    }
    if (config.max_transfer_bytes < config.block_size) {
        return vmm::Error::invalid("scsi disk: max transfer must be at least one block");
    }
    return ScsiDisk { std::move(config) };
}

bool ScsiDisk::in_range(uint64_t lba, uint64_t blocks) const
{
    // Written so that neither side can wrap: lba + blocks is never computed.
    return lba <= m_config.block_count && blocks <= m_config.block_count - lba;
}

Answer ScsiDisk::read_write(const ReadWrite& command) const
{
    if (command.write && m_config.read_only) {
        return Failure { write_protected };
    }
    if (!in_range(command.lba, command.blocks)) {
        return Failure { lba_out_of_range };
    }
    if (command.blocks > max_transfer_blocks()) {
        return Failure { invalid_field_in_cdb };
    }
    if (command.blocks == 0) {
        return DataIn {}; // SBC-3: a transfer length of 0 is not an error; nothing moves
    }
    if (command.write) {
        return Write { command.lba, command.blocks, command.fua };
    }
    return Read { command.lba, command.blocks };
}

Answer ScsiDisk::unmap(const Unmap& command, std::span<const std::byte> data_out) const
{
    if (!m_config.discard) {
        return Failure { invalid_opcode }; // not advertised in VPD page 0xB2
    }
    if (m_config.read_only) {
        return Failure { write_protected };
    }
    auto ranges
        = parse_unmap_parameters(data_out, command.parameter_list_length, max_unmap_descriptors);
    if (!ranges) {
        return Failure { ranges.error() };
    }
    uint64_t total = 0; // at most max_unmap_descriptors 32-bit counts: cannot wrap
    for (const auto& range : *ranges) {
        if (!in_range(range.lba, range.blocks)) {
            return Failure { lba_out_of_range };
        }
        total += range.blocks;
    }
    // VPD page 0xB0's maximum UNMAP LBA count bounds the whole command, not each descriptor.
    if (total > max_transfer_blocks()) {
        return Failure { invalid_field_in_parameter_list };
    }
    if (ranges->empty()) {
        return DataIn {};
    }
    return Discard { std::move(ranges).value() };
}

Answer ScsiDisk::write_same(const WriteSame16& command) const
{
    if (!m_config.discard) {
        return Failure { invalid_opcode };
    }
    // Only the UNMAP form is served; 0 blocks is refused as VPD page 0xB0's WSNZ says.
    if (!command.unmap || command.blocks == 0 || command.blocks > max_transfer_blocks()) {
        return Failure { invalid_field_in_cdb };
    }
    if (m_config.read_only) {
        return Failure { write_protected };
    }
    if (!in_range(command.lba, command.blocks)) {
        return Failure { lba_out_of_range };
    }
    return Discard { { BlockRange { command.lba, command.blocks } } };
}

Answer ScsiDisk::synchronize_cache(const SynchronizeCache& command) const
{
    // 0 blocks means "from lba to the last block": lba itself must still be on the disk.
    const uint64_t blocks = command.blocks == 0 ? 1 : command.blocks;
    if (!in_range(command.lba, blocks)) {
        return Failure { lba_out_of_range };
    }
    return Flush {}; // a range flush is a whole-disk flush: the backend has no finer one
}

std::vector<std::byte> ScsiDisk::capacity_16() const
{
    std::vector<std::byte> out(capacity_16_size);
    store_be(out, 0, 8, m_config.block_count - 1); // the last LBA, not the count
    store_be(out, 8, 4, m_config.block_size);
    if (m_config.discard) {
        out[14] = std::byte { 0x80 }; // LBPME: Linux then reads VPD page 0xB2 for the method
    }
    return out;
}

Answer ScsiDisk::execute(
    const Command& command, std::span<const std::byte> data_out, size_t buffer_length) const
{
    struct Visitor {
        const ScsiDisk& disk;
        std::span<const std::byte> data_out;
        size_t buffer;

        Answer operator()(const TestUnitReady&) const { return DataIn {}; }
        Answer operator()(const RequestSense& c) const
        {
            // Errors go back as autosense with their command, so nothing is ever pending here.
            const auto sense = encode_fixed_sense(no_sense);
            return data_in({ sense.begin(), sense.end() }, c.allocation_length, buffer);
        }
        Answer operator()(const Inquiry& c) const
        {
            if (!c.evpd) {
                return data_in(standard_inquiry(), c.allocation_length, buffer);
            }
            return data_in(vpd_page(disk.m_config, c.page), c.allocation_length, buffer);
        }
        Answer operator()(const ReadCapacity10&) const
        {
            std::vector<std::byte> out(capacity_10_size);
            // Saturated: 0xFFFFFFFF tells Linux to ask again with READ CAPACITY(16).
            store_be(out, 0, 4, std::min<uint64_t>(disk.m_config.block_count - 1, UINT32_MAX));
            store_be(out, 4, 4, disk.m_config.block_size);
            return data_in(std::move(out), capacity_10_size, buffer);
        }
        Answer operator()(const ReadCapacity16& c) const
        {
            return data_in(disk.capacity_16(), c.allocation_length, buffer);
        }
        Answer operator()(const ModeSense& c) const
        {
            return data_in(mode_sense_data(disk.m_config, c), c.allocation_length, buffer);
        }
        Answer operator()(const ReportLuns& c) const
        {
            constexpr uint8_t only_lun = 0;
            return report_luns(c, { &only_lun, 1 }, buffer);
        }
        Answer operator()(const ReadWrite& c) const { return disk.read_write(c); }
        Answer operator()(const SynchronizeCache& c) const { return disk.synchronize_cache(c); }
        Answer operator()(const Unmap& c) const { return disk.unmap(c, data_out); }
        Answer operator()(const WriteSame16& c) const { return disk.write_same(c); }
    };
    return std::visit(Visitor { *this, data_out, buffer_length }, command);
}

Answer report_luns(const ReportLuns& command, std::span<const uint8_t> luns, size_t buffer_length)
{
    if (command.allocation_length < report_luns_min_allocation
        || command.select_report > report_luns_max_select) {
        return Failure { invalid_field_in_cdb };
    }
    return data_in(report_luns_data(luns), command.allocation_length, buffer_length);
}

std::optional<Answer> execute_without_lun(
    const Command& command, std::span<const uint8_t> luns, size_t buffer_length)
{
    if (const auto* inquiry = std::get_if<Inquiry>(&command)) {
        if (inquiry->evpd) {
            return Failure { invalid_field_in_cdb };
        }
        return data_in(absent_lun_inquiry(), inquiry->allocation_length, buffer_length);
    }
    if (const auto* report = std::get_if<ReportLuns>(&command)) {
        return report_luns(*report, luns, buffer_length);
    }
    return std::nullopt;
}

std::vector<std::byte> report_luns_data(std::span<const uint8_t> luns)
{
    constexpr size_t header = 8;
    constexpr size_t entry = 8;
    std::vector<std::byte> out(header + luns.size() * entry);
    store_be(out, 0, 4, luns.size() * entry);
    for (size_t i = 0; i < luns.size(); ++i) {
        out[header + i * entry + 1] = std::byte { luns[i] }; // peripheral device addressing
    }
    return out;
}

} // namespace vmbus::scsi
