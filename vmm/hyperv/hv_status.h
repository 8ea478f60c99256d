// SPDX-License-Identifier: Apache-2.0
// Hypercall codes and status values of the Hyper-V TLFS that partvm answers. Free of
// <linux/kvm.h>, so a HypercallHandler implementation can use them.
#pragma once
#include <cstdint>

namespace vmm::hyperv {

constexpr uint16_t HVCALL_POST_MESSAGE = 0x005c;
constexpr uint16_t HVCALL_SIGNAL_EVENT = 0x005d;

constexpr uint16_t HV_STATUS_SUCCESS = 0;
constexpr uint16_t HV_STATUS_INVALID_HYPERCALL_CODE = 2;
constexpr uint16_t HV_STATUS_INVALID_HYPERCALL_INPUT = 3;
constexpr uint16_t HV_STATUS_INVALID_ALIGNMENT = 4;
constexpr uint16_t HV_STATUS_INSUFFICIENT_MEMORY = 11;
constexpr uint16_t HV_STATUS_INVALID_PORT_ID = 17;
constexpr uint16_t HV_STATUS_INVALID_CONNECTION_ID = 18;
constexpr uint16_t HV_STATUS_INSUFFICIENT_BUFFERS = 19;

/// Hyper-V connection ids (HvPostMessage, HvSignalEvent) have 24 bits.
constexpr uint32_t HV_CONNECTION_ID_MASK = 0x00ffffff;

} // namespace vmm::hyperv
