// SPDX-License-Identifier: Apache-2.0
// A hostile guest on an IC channel: the IC parsers on raw bytes, then a ShutdownDevice or
// HeartbeatDevice driven through real rings by a mix of an honest Linux model, mutated copies of
// the host's own packets, raw junk, corrupted ring indices, ring-space callbacks and reopens. The
// device must never crash, and every packet it writes must fit the guest's one-page limit.
#include "base/log.h"
#include "vmbus-lite/ic/heartbeat_device.h"
#include "vmbus-lite/ic/ic_test_support.h"
#include "vmbus-lite/ic/shutdown_device.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <memory>

using namespace vmbus;
using namespace vmbus::ic;
using testing::Harness;
using testing::LinuxIcGuest;

namespace {

void fuzz_parsers(std::span<const std::byte> bytes)
{
    if (auto message = parse_message(bytes)) {
        if (message->body.size() != bytes.size() - header_size) {
            __builtin_trap();
        }
    }
    (void)parse_negotiate_response(bytes);
    (void)parse_shutdown_response(bytes);
    (void)parse_heartbeat_response(bytes);
}

/// Writes into the host-bound ring as a guest could: any payload, type and transaction id.
void inject(Harness& h, uint16_t type, uint64_t trans_id, std::span<const std::byte> payload)
{
    (void)h.ring.guest_out.write(
        { .type = type, .offset8 = 0, .len8 = 0, .flags = 0, .trans_id = trans_id }, payload);
}

/// The guest takes the host's next packet and answers with a mutated copy of it.
void answer_mutated(Harness& h, FuzzedDataProvider& in)
{
    auto packet = h.ring.guest_in.read();
    if (!packet) {
        return;
    }
    h.ring.guest_in.commit_read();
    if (packet->bytes.size() > max_guest_packet_size) {
        __builtin_trap();
    }
    const auto payload = packet->payload();
    std::vector<std::byte> reply(payload.begin(), payload.end());
    if (reply.size() > 25 && in.ConsumeBool()) {
        reply[25] = std::byte { flag_transaction | flag_response };
    }
    const int edits = in.ConsumeIntegralInRange(0, 6);
    for (int i = 0; i < edits && !reply.empty(); ++i) {
        reply[in.ConsumeIntegralInRange<size_t>(0, reply.size() - 1)]
            = std::byte { in.ConsumeIntegral<uint8_t>() };
    }
    if (in.ConsumeBool()) {
        reply.resize(in.ConsumeIntegralInRange<size_t>(0, 4200));
    }
    const uint64_t trans_id = in.ConsumeBool() ? packet->descriptor.trans_id
                                               : in.ConsumeIntegralInRange<uint64_t>(0, 8);
    inject(
        h, in.ConsumeBool() ? VM_PKT_DATA_INBAND : in.ConsumeIntegral<uint16_t>(), trans_id, reply);
}

template<class D> void fuzz_device(FuzzedDataProvider& in, LinuxIcGuest::Service service)
{
    const std::vector<Version> versions(D::message_versions.begin(), D::message_versions.end());
    const uint32_t ring_size
        = in.ConsumeBool() ? 3 * 4096 : (in.ConsumeIntegralInRange<uint32_t>(64, 16384) & ~7u);
    auto make = [&] {
        return std::make_unique<Harness>(
            service, versions, std::vector<Version> { { 3, 0 }, { 1, 0 } }, ring_size);
    };
    auto h = make();
    D device;
    bool open = device.opened(h->ring, {});
    int reopens = 0;
    auto act = [&] {
        if constexpr (std::is_same_v<D, ShutdownDevice>) {
            const bool asked = device.request_shutdown();
            if (!open && asked) {
                __builtin_trap(); // A closed channel can never take a request.
            }
        } else {
            (void)device.probe();
        }
    };

    for (int step = 0; step < 200 && in.remaining_bytes() > 0; ++step) {
        switch (in.ConsumeIntegralInRange(0, 7)) {
        case 0:
            act();
            break;
        case 1:
            if (open) {
                h->pump(device);
            }
            break;
        case 2:
            if (open) {
                answer_mutated(*h, in);
                device.on_packets(h->ring);
            }
            break;
        case 3:
            if (open) {
                const uint64_t trans_id = in.ConsumeIntegralInRange<uint64_t>(0, 8);
                const auto junk = in.ConsumeBytes<std::byte>(in.ConsumeIntegralInRange(0, 4200));
                inject(*h, VM_PKT_DATA_INBAND, trans_id, junk);
                device.on_packets(h->ring);
            }
            break;
        case 4:
            if (open) {
                device.on_ring_space(h->ring);
            }
            break;
        case 5:
            if (open) {
                // Guest-owned indices: the host-bound ring's write index, the other's read index.
                auto& memory = in.ConsumeBool() ? h->ring.to_host : h->ring.to_guest;
                const auto field
                    = in.ConsumeBool() ? RingControl::WriteIndex : RingControl::ReadIndex;
                memory.store(field, in.ConsumeIntegral<uint32_t>());
                device.on_packets(h->ring);
            }
            break;
        case 6:
            if (reopens++ >= 4) {
                break; // Fresh rings are costly to build; a few reopens cover the paths.
            }
            if (open) {
                device.closed(h->ring);
            }
            h = make();
            open = device.opened(h->ring, {});
            break;
        case 7:
            if (open) {
                device.closed(h->ring);
                open = false;
            }
            break;
        }
        if (h->guest.largest_packet > max_guest_packet_size) {
            __builtin_trap();
        }
    }
    if (open) {
        device.closed(h->ring);
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    vmm::set_log_level(vmm::LogLevel::Error); // Warnings about hostile packets are expected.
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz_parsers(std::span(reinterpret_cast<const std::byte*>(data), size));
    FuzzedDataProvider in(data, size);
    if (in.ConsumeBool()) {
        fuzz_device<ShutdownDevice>(in, LinuxIcGuest::Service::Shutdown);
    } else {
        fuzz_device<HeartbeatDevice>(in, LinuxIcGuest::Service::Heartbeat);
    }
    return 0;
}
