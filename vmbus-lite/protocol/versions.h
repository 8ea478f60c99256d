// SPDX-License-Identifier: Apache-2.0
// VMBus protocol versions and the fixed message connection ids (drivers/hv/connection.c).
#pragma once
#include <cstdint>

namespace vmbus {

constexpr uint32_t make_version(uint16_t major, uint16_t minor)
{
    return uint32_t(major) << 16 | minor;
}

constexpr uint32_t version_win10_v5 = make_version(5, 0); ///< INITIATE_CONTACT moves to id 4.
constexpr uint32_t version_win10_v5_3 = make_version(5, 3); ///< MODIFYCHANNEL gets a response.

/// Every version Linux 6.1 (and newer kernels so far) proposes, newest first. Channels are offered
/// with dedicated interrupts and no monitor pages, so none needs the shared interrupt page.
constexpr uint32_t supported_versions[] = {
    make_version(5, 3),
    make_version(5, 2),
    make_version(5, 1),
    make_version(5, 0),
    make_version(4, 1),
    make_version(4, 0),
    make_version(3, 0),
    make_version(2, 4),
};

constexpr bool is_supported_version(uint32_t version)
{
    for (uint32_t supported : supported_versions) {
        if (supported == version) {
            return true;
        }
    }
    return false;
}

constexpr uint32_t message_connection_id = 1; ///< Where the guest posts every control message.
constexpr uint32_t message_connection_id_4 = 4; ///< INITIATE_CONTACT for versions >= 5.0.

/// The message type the host puts in its SynIC message slots; Linux ignores it (but not 0).
constexpr uint32_t synic_message_type_vmbus = 1;

} // namespace vmbus
