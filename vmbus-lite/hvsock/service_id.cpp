// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/hvsock/service_id.h"

#include <algorithm>

namespace vmbus::hvsock {

std::optional<uint32_t> port_of(const Guid& id)
{
    if (!std::equal(id.begin() + 4, id.end(), service_id_template.begin() + 4)) {
        return std::nullopt;
    }
    return uint32_t(id[0]) | uint32_t(id[1]) << 8 | uint32_t(id[2]) << 16 | uint32_t(id[3]) << 24;
}

Guid host_endpoint_id(uint32_t local_port, uint64_t serial)
{
    Guid id = service_id(local_port);
    for (int i = 0; i < 8; ++i) {
        id[size_t(8 + i)] = uint8_t(serial >> (8 * i));
    }
    id[4] = id[5] = id[6] = id[7] = 0; // Never the template: this names an endpoint, not a service.
    return id;
}

} // namespace vmbus::hvsock
