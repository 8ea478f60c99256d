// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/synic_page.h"
#include "vmm/hyperv/synic_slots.h"

namespace vmm::hyperv {

std::byte* synic_slot(const GuestMemory& memory, uint64_t page_msr, uint32_t sint)
{
    if (!(page_msr & synic_page_enable) || sint >= synic_sint_count) {
        return nullptr;
    }
    // Cannot overflow: the page address is at most 2^64 - 4096 and the offset below 4096.
    const GuestAddress slot((page_msr & synic_page_address_mask) + sint * synic_slot_size);
    auto bytes = memory.slice(slot, synic_slot_size);
    return bytes ? bytes->data() : nullptr;
}

} // namespace vmm::hyperv
