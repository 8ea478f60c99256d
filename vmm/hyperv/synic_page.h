// SPDX-License-Identifier: Apache-2.0
// Finds a SynIC slot in guest RAM from the SIMP or SIEFP value the guest last wrote. The guest
// picks (and may move) these pages at will, so every lookup checks the address again.
#pragma once
#include "guestmem/guest_memory.h"

#include <cstddef>
#include <cstdint>

namespace vmm::hyperv {

/// SIMP and SIEFP MSRs: bit 0 enables the page, bits 12-63 hold its guest-physical address.
constexpr uint64_t synic_page_enable = 1;
constexpr uint64_t synic_page_address_mask = ~uint64_t(0xfff);
/// SCONTROL bit 0 enables the whole SynIC.
constexpr uint64_t synic_control_enable = 1;

/// The host address of slot `sint` of the page `page_msr` names, or nullptr when the page is
/// disabled, sint >= 16, or the 256-byte slot is not wholly inside guest RAM.
std::byte* synic_slot(const GuestMemory& memory, uint64_t page_msr, uint32_t sint);

} // namespace vmm::hyperv
