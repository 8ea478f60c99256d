// SPDX-License-Identifier: Apache-2.0
// A hostile guest on an hv_sock channel: the packet parser on raw bytes, then an HvSockConnection
// driven through the real OpenChannel by a mix of the honest Linux model, junk and mutated
// packets, corrupted ring indices, an owner that stalls and resumes, FINs and channel closes.
// The connection must never crash, report its end at most once, and never write a packet the
// guest could not take. While the guest is honest, the host must receive exactly its bytes.
#include "base/log.h"
#include "vmbus-lite/hvsock/hvsock_test_support.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstring>
#include <memory>

using namespace vmbus;
using namespace vmbus::hvsock;
using testing::Harness;
using testing::pattern;

namespace {

void fuzz_parser(FuzzedDataProvider& in)
{
    Packet packet;
    packet.descriptor.type = in.ConsumeBool() ? VM_PKT_DATA_INBAND : in.ConsumeIntegral<uint16_t>();
    packet.descriptor.offset8 = 2;
    packet.bytes = in.ConsumeBytes<std::byte>(in.ConsumeIntegralInRange<size_t>(16, 17000));
    packet.bytes.resize(std::max<size_t>(packet.bytes.size(), 16));
    auto data = parse_packet(packet);
    if (data
        && (data->size() > max_data_size || data->data() < packet.bytes.data() + 24
            || data->data() + data->size() > packet.bytes.data() + packet.bytes.size())) {
        __builtin_trap();
    }
}

/// Writes a packet into the host-bound ring as a guest could.
void inject(Harness& h, uint16_t type, std::span<const std::byte> payload)
{
    OutgoingRing writer(*h.to_host);
    auto descriptor = pipe_descriptor();
    descriptor.type = type;
    (void)writer.write(descriptor, payload);
}

void fuzz_connection(FuzzedDataProvider& in)
{
    const uint32_t ring = in.ConsumeBool()
        ? 24 * 1024
        : (in.ConsumeIntegralInRange<uint32_t>(256, 64 * 1024) & ~7u);
    auto h = std::make_unique<Harness>(ring);
    if (!h->open()) {
        __builtin_trap();
    }
    h->outbound = pattern(in.ConsumeIntegralInRange<size_t>(0, 40000));
    std::vector<std::byte> guest_sent;
    bool honest = true; // No junk, no corruption, no close so far.

    for (int step = 0; step < 64 && in.remaining_bytes() > 0; ++step) {
        switch (in.ConsumeIntegralInRange(0, 10)) {
        case 0: {
            const auto data = pattern(in.ConsumeIntegralInRange<size_t>(1, 20000), uint8_t(step));
            guest_sent.insert(guest_sent.end(), data.begin(), data.end());
            h->guest.write(data);
            break;
        }
        case 1:
            h->guest.shutdown_write();
            break;
        case 2:
            h->guest.auto_read = in.ConsumeBool();
            h->guest.read(in.ConsumeIntegralInRange<size_t>(0, 50000));
            break;
        case 3:
            h->push();
            break;
        case 4:
            h->fin_after = true;
            h->push();
            break;
        case 5:
            h->capacity = in.ConsumeBool() ? SIZE_MAX : in.ConsumeIntegral<uint32_t>() % 100000;
            h->connection.resume_receive();
            break;
        case 6: {
            honest = false;
            PipeHeader header { in.ConsumeBool() ? 1u : in.ConsumeIntegral<uint32_t>(),
                in.ConsumeIntegralInRange<uint32_t>(0, 20000) };
            auto payload = in.ConsumeBytes<std::byte>(in.ConsumeIntegralInRange(0, 17000));
            payload.insert(payload.begin(), sizeof(header), std::byte {});
            std::memcpy(payload.data(), &header, sizeof(header));
            inject(*h, in.ConsumeBool() ? VM_PKT_DATA_INBAND : in.ConsumeIntegral<uint16_t>(),
                payload);
            break;
        }
        case 7: {
            honest = false;
            // Guest-owned indices: the host-bound ring's write index, the other's read index.
            const bool inbound = in.ConsumeBool();
            (inbound ? h->to_host : h->to_guest)
                ->store(inbound ? RingControl::WriteIndex : RingControl::ReadIndex,
                    in.ConsumeIntegral<uint32_t>());
            h->service();
            break;
        }
        case 8:
            honest = false;
            h->close_channel();
            break;
        case 9:
            h->service();
            break;
        case 10:
            if (!h->pump(2000) && honest) {
                __builtin_trap(); // An honest pair always goes quiet.
            }
            break;
        }
        if (h->closes.size() > 1 || h->guest.largest_packet > guest_max_packet_size) {
            __builtin_trap();
        }
    }
    (void)h->pump(2000);
    if (h->closes.size() > 1) {
        __builtin_trap();
    }
    if (honest) {
        // Every byte the host took is the guest's, in order; and the guest saw only good packets.
        if (h->received.size() > guest_sent.size()
            || !std::equal(h->received.begin(), h->received.end(), guest_sent.begin())
            || !h->guest.errors.empty()) {
            __builtin_trap();
        }
    }
    h->close_channel();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    vmm::set_log_level(vmm::LogLevel::Error); // Warnings about hostile packets are expected.
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzedDataProvider in(data, size);
    if (in.ConsumeBool()) {
        fuzz_parser(in);
    } else {
        fuzz_connection(in);
    }
    return 0;
}
