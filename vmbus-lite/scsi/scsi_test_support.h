// SPDX-License-Identifier: Apache-2.0
// Shared by the vmbus_scsi tests: byte literals, and a parse that the test requires to succeed.
#pragma once
#include "vmbus-lite/scsi/big_endian.h"
#include "vmbus-lite/scsi/cdb.h"
#include "vmbus-lite/scsi/disk.h"

#include <doctest/doctest.h>

#include <initializer_list>
#include <vector>

namespace vmbus::scsi::testing {

inline std::vector<std::byte> bytes(std::initializer_list<int> values)
{
    std::vector<std::byte> out;
    for (int value : values) {
        out.push_back(std::byte(value));
    }
    return out;
}

/// The byte at `index` as a number, for CHECKs that print readably.
inline int at(const std::vector<std::byte>& data, size_t index)
{
    return static_cast<int>(data.at(index));
}

inline uint64_t be(const std::vector<std::byte>& data, size_t offset, size_t width)
{
    REQUIRE(offset + width <= data.size());
    return load_be(data, offset, width);
}

inline Command parsed(std::initializer_list<int> cdb)
{
    auto command = parse_cdb(bytes(cdb));
    REQUIRE(command.has_value());
    return *command;
}

/// A writable 1 GiB disk of 512-byte blocks with discard, 1 MiB transfers and serial "disk-7".
inline DiskConfig plain_config()
{
    return { .block_size = 512,
        .block_count = 2 * 1024 * 1024,
        .read_only = false,
        .serial = "disk-7",
        .discard = true,
        .max_transfer_bytes = 1024 * 1024 };
}

inline ScsiDisk make_disk(DiskConfig config)
{
    auto disk = ScsiDisk::create(std::move(config));
    REQUIRE(disk.has_value());
    return std::move(disk).value();
}

/// Runs `cdb` through parse and `disk` with a large enough buffer and no data-out.
inline Answer run(const ScsiDisk& disk, std::initializer_list<int> cdb, size_t buffer = 4096)
{
    return disk.execute(parsed(cdb), {}, buffer);
}

/// The data-in of a GOOD answer; fails the test on anything else.
inline std::vector<std::byte> data_of(const Answer& answer)
{
    const auto* data = std::get_if<DataIn>(&answer);
    REQUIRE(data != nullptr);
    return data->bytes;
}

/// The sense of a CHECK CONDITION answer; fails the test on anything else.
inline Sense sense_of(const Answer& answer)
{
    const auto* failure = std::get_if<Failure>(&answer);
    REQUIRE(failure != nullptr);
    return failure->sense;
}

} // namespace vmbus::scsi::testing
