// SPDX-License-Identifier: Apache-2.0
// Hostile ring contents: arbitrary control-page indices and data bytes, read until the ring says
// Empty or corrupt. Also writes host packets into the same ring. Must never crash or read outside
// the data area.
#include "vmbus-lite/ring/incoming_ring.h"
#include "vmbus-lite/ring/outgoing_ring.h"

#include <fuzzer/FuzzedDataProvider.h>

using namespace vmbus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzedDataProvider input(data, size);
    const uint32_t data_size = input.ConsumeIntegralInRange<uint32_t>(8, 16384) & ~7u;
    FlatRingMemory memory(data_size);
    memory.store(RingControl::ReadIndex, input.ConsumeIntegral<uint32_t>());
    memory.store(RingControl::WriteIndex, input.ConsumeIntegral<uint32_t>());
    memory.store(RingControl::PendingSendSize, input.ConsumeIntegral<uint32_t>());
    memory.store(RingControl::InterruptMask, input.ConsumeIntegral<uint32_t>());
    const auto contents = input.ConsumeBytes<std::byte>(data_size);
    memory.copy_in(0, contents);

    IncomingRing consumer(memory);
    for (int i = 0; i < 64; ++i) {
        auto packet = consumer.read();
        if (!packet) {
            break;
        }
        if (packet->payload().size() > packet->bytes.size()) {
            __builtin_trap(); // payload() must stay inside the copied packet.
        }
        consumer.commit_read();
    }
    OutgoingRing producer(memory);
    const auto payload = input.ConsumeRemainingBytes<std::byte>();
    (void)producer.write(
        { .type = VM_PKT_DATA_INBAND, .offset8 = 0, .len8 = 0, .flags = 0, .trans_id = 1 },
        payload);
    return 0;
}
