// SPDX-License-Identifier: Apache-2.0
// Arbitrary bytes as a guest's HvPostMessage payload: the parser must never crash, and what it
// accepts must be internally consistent.
#include "vmbus-lite/protocol/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto parsed
        = vmbus::parse_guest_message(std::span(reinterpret_cast<const std::byte*>(data), size));
    if (parsed) {
        if (auto* header = std::get_if<vmbus::GpadlHeader>(&*parsed)) {
            if (header->pfns.size() > header->page_count || header->page_count == 0) {
                __builtin_trap();
            }
        }
    }
    return 0;
}
