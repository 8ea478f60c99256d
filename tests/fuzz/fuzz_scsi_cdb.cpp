// SPDX-License-Identifier: Apache-2.0
// A hostile guest's SCSI commands: any disk shape, any CDB of 0..17 bytes, any data-out and any
// buffer length, through parse_cdb and ScsiDisk. Data-in must never exceed the allocation length
// or the buffer; every I/O request must lie inside the disk and within the transfer limits;
// nothing may write to a read-only disk. The input's tail picks the disk and lengths (integers come
// from the end), its head is the CDB, the rest is data-out, so a seed starts with a real CDB.
#include "vmbus-lite/scsi/cdb.h"
#include "vmbus-lite/scsi/disk.h"
#include "vmbus-lite/scsi/unmap.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>

using namespace vmbus::scsi;

namespace {

void require(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

/// The most data-in each command may return, from its allocation length (or fixed size).
struct AllocationOf {
    size_t operator()(const RequestSense& c) const { return c.allocation_length; }
    size_t operator()(const Inquiry& c) const { return c.allocation_length; }
    size_t operator()(const ReadCapacity10&) const { return 8; }
    size_t operator()(const ReadCapacity16& c) const { return c.allocation_length; }
    size_t operator()(const ModeSense& c) const { return c.allocation_length; }
    size_t operator()(const ReportLuns& c) const { return c.allocation_length; }
    size_t operator()(const auto&) const { return 0; } // no data-in
};

bool inside(const ScsiDisk& disk, uint64_t lba, uint64_t blocks)
{
    const uint64_t count = disk.config().block_count;
    return blocks != 0 && lba < count && blocks <= count - lba;
}

void check_answer(
    const ScsiDisk& disk, const Command& command, const Answer& answer, size_t buffer_length)
{
    const auto& config = disk.config();
    if (const auto* data = std::get_if<DataIn>(&answer)) {
        require(data->bytes.size() <= buffer_length);
        require(data->bytes.size() <= std::visit(AllocationOf {}, command));
    } else if (const auto* read = std::get_if<Read>(&answer)) {
        require(inside(disk, read->lba, read->blocks));
        require(read->blocks <= disk.max_transfer_blocks());
    } else if (const auto* write = std::get_if<Write>(&answer)) {
        require(!config.read_only);
        require(inside(disk, write->lba, write->blocks));
        require(write->blocks <= disk.max_transfer_blocks());
    } else if (const auto* discard = std::get_if<Discard>(&answer)) {
        require(!config.read_only && config.discard && !discard->ranges.empty());
        require(discard->ranges.size() <= max_unmap_descriptors);
        uint64_t total = 0;
        for (const auto& range : discard->ranges) {
            require(inside(disk, range.lba, range.blocks));
            total += range.blocks;
        }
        require(total <= disk.max_transfer_blocks());
    } else if (const auto* failure = std::get_if<Failure>(&answer)) {
        const SenseKey key = failure->sense.key;
        require(key == SenseKey::IllegalRequest || key == SenseKey::DataProtect);
        require(key != SenseKey::DataProtect || config.read_only);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzedDataProvider in(data, size);
    const size_t cdb_length = in.ConsumeIntegral<uint8_t>() % (max_cdb_size + 2);
    const uint8_t flags = in.ConsumeIntegral<uint8_t>();
    const uint64_t count_raw = in.ConsumeIntegral<uint64_t>();
    const uint32_t transfer_raw = in.ConsumeIntegral<uint32_t>();
    const uint32_t buffer_raw = in.ConsumeIntegral<uint32_t>();

    DiskConfig config;
    config.block_size = (flags & 0x04) != 0 ? 4096 : 512;
    config.read_only = (flags & 0x01) != 0;
    config.discard = (flags & 0x02) == 0;
    config.serial = (flags & 0x08) != 0 ? "0" : "fuzz-serial-0123456789abcdef0123"; // 1 and 32
    // Small disks most of the time, so that LBAs near the end are reachable; any size otherwise.
    const uint64_t most_blocks = UINT64_MAX / config.block_size;
    config.block_count = 1 + count_raw % ((flags & 0x10) != 0 ? most_blocks : 1 << 20);
    config.max_transfer_bytes = config.block_size + transfer_raw % (16 << 20);
    auto disk = ScsiDisk::create(config);
    require(disk.has_value());

    const auto cdb = in.ConsumeBytes<std::byte>(cdb_length);
    const auto data_out = in.ConsumeRemainingBytes<std::byte>();
    const size_t buffer_length = buffer_raw % ((1 << 20) + 1);

    if (auto ranges = parse_unmap_parameters(data_out, static_cast<uint16_t>(buffer_raw), 16)) {
        require(ranges->size() <= 16);
    }
    const auto command = parse_cdb(cdb);
    if (!command) {
        const SenseKey key = command.error().key;
        require(key == SenseKey::IllegalRequest);
        return 0;
    }
    require(cdb.size() >= 6 && cdb.size() <= max_cdb_size);
    check_answer(*disk, *command, disk->execute(*command, data_out, buffer_length), buffer_length);
    return 0;
}
