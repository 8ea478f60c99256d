// SPDX-License-Identifier: Apache-2.0
// The agent's connection to the host: AF_VSOCK only (hv_sock under partvm, virtio-vsock under
// QEMU), guest-initiated.
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"

#include <cstdint>

namespace agent::init {

/// One blocking connect() to cid:port.
vmm::Result<vmm::UniqueFd> connect_vsock(uint32_t cid, uint32_t port);

} // namespace agent::init
