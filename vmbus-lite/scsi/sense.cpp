// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/scsi/sense.h"

namespace vmbus::scsi {

std::array<std::byte, fixed_sense_size> encode_fixed_sense(Sense sense)
{
    std::array<std::byte, fixed_sense_size> out {};
    out[0] = std::byte { 0x70 }; // current error, fixed format; VALID clear: no information field
    out[2] = std::byte { static_cast<uint8_t>(sense.key) };
    out[7] = std::byte { fixed_sense_size - 8 }; // bytes after the additional length byte
    out[12] = std::byte { sense.asc };
    out[13] = std::byte { sense.ascq };
    return out;
}

} // namespace vmbus::scsi
