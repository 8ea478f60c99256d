// SPDX-License-Identifier: Apache-2.0
// SCSI status and fixed-format sense data (SPC-4) for the errors the disk layer reports.
// The transport sends the sense bytes as autosense with CHECK CONDITION, so Linux never has to
// issue REQUEST SENSE to learn why a command failed.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace vmbus::scsi {

/// SAM-5 status codes this layer produces.
enum class Status : uint8_t {
    Good = 0x00,
    CheckCondition = 0x02,
};

/// SPC-4 sense keys this layer produces.
enum class SenseKey : uint8_t {
    NoSense = 0x0,
    MediumError = 0x3,
    IllegalRequest = 0x5,
    DataProtect = 0x7,
};

/// A sense key with its additional sense code and qualifier.
struct Sense {
    SenseKey key { SenseKey::NoSense };
    uint8_t asc { 0 };
    uint8_t ascq { 0 };
    bool operator==(const Sense&) const = default;
};

/// 05/20/00: the opcode (or service action) is not one this disk serves.
inline constexpr Sense invalid_opcode { SenseKey::IllegalRequest, 0x20, 0x00 };
/// 05/21/00: the LBA range runs past the last block, or wraps.
inline constexpr Sense lba_out_of_range { SenseKey::IllegalRequest, 0x21, 0x00 };
/// 05/24/00: a CDB field holds a value this disk does not accept.
inline constexpr Sense invalid_field_in_cdb { SenseKey::IllegalRequest, 0x24, 0x00 };
/// 05/26/00: a parameter list (UNMAP's) holds a value this disk does not accept.
inline constexpr Sense invalid_field_in_parameter_list { SenseKey::IllegalRequest, 0x26, 0x00 };
/// 07/27/00: a write, UNMAP or WRITE SAME to a read-only disk.
inline constexpr Sense write_protected { SenseKey::DataProtect, 0x27, 0x00 };
/// 03/00/00: the backend failed the I/O (reported by the layer that runs it).
inline constexpr Sense medium_error { SenseKey::MediumError, 0x00, 0x00 };
/// 03/11/00: the backend failed a read.
inline constexpr Sense unrecovered_read_error { SenseKey::MediumError, 0x11, 0x00 };
/// 03/0C/00: the backend failed a write.
inline constexpr Sense write_error { SenseKey::MediumError, 0x0c, 0x00 };
/// 07/27/07: the host has no space left for a write to a thinly provisioned (sparse) image.
inline constexpr Sense space_allocation_failed { SenseKey::DataProtect, 0x27, 0x07 };
/// 00/00/00: nothing to report (REQUEST SENSE on a healthy disk).
inline constexpr Sense no_sense {};

/// Length of fixed-format sense data with the usual 10 additional bytes.
inline constexpr size_t fixed_sense_size = 18;

/// Fixed-format sense data: response code 0x70 (current error), key, ASC and ASCQ, additional
/// length 10. No information, command-specific or sense-key-specific fields are set.
std::array<std::byte, fixed_sense_size> encode_fixed_sense(Sense sense);

} // namespace vmbus::scsi
