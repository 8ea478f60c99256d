// SPDX-License-Identifier: Apache-2.0
// One packet (or a batch) written with OutgoingRing and read back with IncomingRing, the host
// half of a VMBus channel's data path without the guest. Rings have 128 KiB of data, over plain
// memory (FlatRingMemory), over consecutive guest pages (GuestRingMemory's single-memcpy path) and
// over guest pages in reverse order (its per-page path). Counters: packets/s and payload bytes/s.
#include "vmbus-lite/gpadl/guest_ring_memory.h"
#include "vmbus-lite/ring/incoming_ring.h"
#include "vmbus-lite/ring/outgoing_ring.h"

#include <algorithm>
#include <benchmark/benchmark.h>
#include <numeric>
#include <optional>

using namespace vmbus;

namespace {

constexpr uint32_t ring_data_bytes = 128 * 1024;
constexpr uint32_t ring_data_pages = ring_data_bytes / 4096;

enum class Backing { Flat, Guest, GuestScattered };

/// A ring and the guest RAM under it, if any.
struct TestRing {
    std::optional<vmm::GuestMemory> ram;
    std::unique_ptr<RingMemory> memory;
};

TestRing make_ring(Backing backing)
{
    TestRing ring;
    if (backing == Backing::Flat) {
        ring.memory = std::make_unique<FlatRingMemory>(ring_data_bytes);
        return ring;
    }
    ring.ram.emplace(vmm::GuestMemory::allocate_for_test(4 << 20));
    std::vector<uint64_t> pfns(1 + ring_data_pages);
    std::iota(pfns.begin(), pfns.end(), 256); // Control page, then the data pages.
    if (backing == Backing::GuestScattered) {
        std::reverse(pfns.begin() + 1, pfns.end());
    }
    auto mapped = GuestRingMemory::map(*ring.ram, pfns);
    if (!mapped) {
        std::abort();
    }
    ring.memory = std::move(mapped).value();
    return ring;
}

constexpr PacketDescriptor inband { VM_PKT_DATA_INBAND, 0, 0, 0, 1 };

std::vector<std::byte> make_payload(size_t size)
{
    std::vector<std::byte> payload(size);
    for (size_t i = 0; i < size; ++i) {
        payload[i] = std::byte(uint8_t(i * 13));
    }
    return payload;
}

/// The most packets of `payload` bytes the ring holds at once (it is never filled completely).
int64_t ring_capacity(size_t payload)
{
    const uint64_t packet = ((sizeof(PacketDescriptor) + payload + 7) & ~uint64_t(7)) + 8;
    return static_cast<int64_t>((ring_data_bytes - 1) / packet);
}

void round_trip(benchmark::State& state, Backing backing)
{
    const auto payload = make_payload(static_cast<size_t>(state.range(0)));
    TestRing ring = make_ring(backing);
    OutgoingRing producer(*ring.memory);
    IncomingRing consumer(*ring.memory);
    for (auto _ : state) {
        if (!producer.write(inband, payload)) {
            state.SkipWithError("write failed");
            break;
        }
        auto packet = consumer.read();
        if (!packet) {
            state.SkipWithError("read failed");
            break;
        }
        benchmark::DoNotOptimize(packet->bytes.data());
        consumer.commit_read();
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * state.range(0));
}

/// Writes a batch, then drains it with one commit_read(), as a consumer woken once would.
void batch(benchmark::State& state, Backing backing)
{
    const auto payload = make_payload(static_cast<size_t>(state.range(0)));
    // 32 packets of 4 KiB are 128.75 KiB with descriptors and trailers: take what fits.
    const int64_t count = std::min<int64_t>(32, ring_capacity(payload.size()));
    state.counters["batch"] = static_cast<double>(count);
    TestRing ring = make_ring(backing);
    OutgoingRing producer(*ring.memory);
    IncomingRing consumer(*ring.memory);
    for (auto _ : state) {
        for (int64_t i = 0; i < count; ++i) {
            if (!producer.write(inband, payload)) {
                state.SkipWithError("write failed");
                return;
            }
        }
        for (int64_t i = 0; i < count; ++i) {
            auto packet = consumer.read();
            if (!packet) {
                state.SkipWithError("read failed");
                return;
            }
            benchmark::DoNotOptimize(packet->bytes.data());
        }
        consumer.commit_read();
    }
    state.SetItemsProcessed(state.iterations() * count);
    state.SetBytesProcessed(state.iterations() * count * state.range(0));
}

void register_all()
{
    const std::pair<const char*, Backing> backings[] = {
        { "flat", Backing::Flat },
        { "guest", Backing::Guest },
        { "guest_scattered", Backing::GuestScattered },
    };
    for (const auto& [name, backing] : backings) {
        const Backing b = backing;
        benchmark::RegisterBenchmark((std::string("round_trip/") + name).c_str(),
            [b](benchmark::State& state) { round_trip(state, b); })
            ->Arg(64)
            ->Arg(4096);
        benchmark::RegisterBenchmark((std::string("batch/") + name).c_str(),
            [b](benchmark::State& state) { batch(state, b); })
            ->Arg(64)
            ->Arg(4096);
    }
}

} // namespace

int main(int argc, char** argv)
{
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
