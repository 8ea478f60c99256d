// SPDX-License-Identifier: Apache-2.0
// hv_sock addresses (net/vmw_vsock/hyperv_transport.c): an AF_VSOCK port P is the VMBus service
// id {P-facb-11e6-bd58-64006a7986d3}. Linux reads the port from Data1 and accepts an id as a
// vsock service only when bytes 4..15 match the template (is_valid_srv_id).
#pragma once
#include "vmbus-lite/protocol/guid.h"

#include <cstdint>
#include <optional>

namespace vmbus::hvsock {

inline constexpr Guid service_id_template = make_guid("00000000-facb-11e6-bd58-64006a7986d3");

/// The service id of vsock port `port`.
constexpr Guid service_id(uint32_t port)
{
    Guid id = service_id_template;
    for (int i = 0; i < 4; ++i) {
        id[size_t(i)] = uint8_t(port >> (8 * i)); // Data1 is little-endian on the wire.
    }
    return id;
}

/// The port of a vsock service id; nullopt when `id` is not built on the template.
std::optional<uint32_t> port_of(const Guid& id);

/// The instance id of a channel the host opens to the guest: Data1 is the host's port (Linux
/// reports it as the peer's port); `serial` fills the rest so no two such channels share an
/// instance id, even while a rescinded one still waits for the guest to release it (Linux takes
/// an offer with the type and instance of a live channel for a sub-channel and drops it).
Guid host_endpoint_id(uint32_t local_port, uint64_t serial);

} // namespace vmbus::hvsock
