// SPDX-License-Identifier: Apache-2.0
// A hostile guest against the whole SCSI controller: SRBs with arbitrary CDBs, addresses and page
// lists, raw packets of any type, a ring that fills up, backends that fail, and channels closed
// with I/O in flight. Checks: every packet the host sends is a 64-byte-or-shorter COMPLETE_IO
// completion; no more completions than requests; every backend request lies inside its disk and
// every buffer inside guest RAM; the in-flight count stays within its cap.
#include "vmbus-lite/storvsp/storvsp_device.h"
#include "vmbus-lite/storvsp/storvsp_test_support.h"

#include <fuzzer/FuzzedDataProvider.h>

using namespace vmbus;
using namespace vmbus::storvsp;
using namespace storvsp_test;

namespace {

constexpr uint64_t ram = 4 << 20;
constexpr uint64_t disk_bytes = 256 * 512;
constexpr uint32_t max_in_flight = 8;

void require(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

/// Checks each request against the disk and guest RAM, then holds it until the input completes
/// it.
class CheckingBackend final : public BlockBackend {
public:
    CheckingBackend(const vmm::GuestMemory& memory, const std::byte* ram_base)
        : m_memory(memory)
        , m_ram(ram_base)
    {
    }
    void submit(BlockRequest request, Done done) override
    {
        uint64_t length = 0;
        for (const iovec& piece : request.buffers) {
            const auto* base = static_cast<const std::byte*>(piece.iov_base);
            require(base >= m_ram && base + piece.iov_len <= m_ram + m_memory.size());
            length += piece.iov_len;
        }
        require(request.offset + length <= disk_bytes);
        for (const ByteRange& range : request.discard) {
            require(range.length != 0 && range.offset + range.length <= disk_bytes);
        }
        pending.push_back(std::move(done));
    }
    void kick() override { }

    std::deque<Done> pending;

private:
    const vmm::GuestMemory& m_memory;
    const std::byte* m_ram;
};

Lun make_lun(const vmm::GuestMemory& memory, const std::byte* ram_base, bool read_only,
    std::vector<CheckingBackend*>& backends)
{
    auto backend = std::make_unique<CheckingBackend>(memory, ram_base);
    backends.push_back(backend.get());
    auto disk = scsi::ScsiDisk::create({ .block_count = disk_bytes / 512,
                                           .read_only = read_only,
                                           .serial = read_only ? "ro" : "rw",
                                           .discard = true,
                                           .max_transfer_bytes = 64 * 1024 })
                    .value();
    return { std::move(disk), std::move(backend) };
}

Packet srb_from(FuzzedDataProvider& input, uint64_t trans_id)
{
    auto cdb = input.ConsumeBytes<uint8_t>(input.ConsumeIntegralInRange<uint8_t>(0, 17));
    const auto direction = DataDirection(input.ConsumeIntegralInRange<uint8_t>(0, 3));
    const auto length = input.ConsumeIntegralInRange<uint32_t>(0, 80 * 1024);
    const auto lun = input.ConsumeIntegralInRange<uint8_t>(0, 3);
    const auto target = input.ConsumeIntegralInRange<uint8_t>(0, 1);
    const auto payload = srb_packet(std::move(cdb), direction, length, lun, target);
    if (input.ConsumeBool()) {
        return inband_packet(payload, trans_id);
    }
    std::vector<uint64_t> pfns;
    const auto pages = input.ConsumeIntegralInRange<uint8_t>(0, 24);
    const auto first = input.ConsumeIntegralInRange<uint64_t>(0, ram / 4096 + 4);
    for (uint8_t i = 0; i < pages; ++i) {
        pfns.push_back(input.ConsumeBool() ? first + i : input.ConsumeIntegral<uint64_t>());
    }
    return gpa_direct_packet(payload, trans_id, pfns, input.ConsumeIntegral<uint32_t>(),
        input.ConsumeIntegralInRange<uint32_t>(0, 4200),
        input.ConsumeIntegralInRange<uint32_t>(0, 2));
}

Packet raw_from(FuzzedDataProvider& input, uint64_t trans_id)
{
    const auto type = input.ConsumeIntegralInRange<uint16_t>(5, 12);
    const auto area = size_t(input.ConsumeIntegralInRange<uint8_t>(2, 12)) * 8;
    const auto payload
        = input.ConsumeBytes<std::byte>(input.ConsumeIntegralInRange<uint8_t>(0, 72));
    auto packet = ring_packet_with_area(type, area, payload, trans_id);
    for (size_t i = 16; i < area; ++i) {
        packet.bytes[i] = std::byte { input.ConsumeIntegral<uint8_t>() };
    }
    return packet;
}

/// Sub-channel offers, opened at once on channels of their own.
struct OpenedOffers final : ChannelOffers {
    void offer(Device& channel) override
    {
        auto endpoint = std::make_unique<FakeChannel>();
        if (channel.opened(*endpoint, {})) {
            opened.push_back({ &channel, std::move(endpoint) });
        }
    }
    void withdraw(Device&) override { }
    std::vector<std::pair<Device*, std::unique_ptr<FakeChannel>>> opened;
};

void handshake(StorvspDevice& device, FakeChannel& channel)
{
    for (auto payload : { guest_packet(Operation::BeginInitialization),
             guest_packet(Operation::QueryProtocolVersion, hex("0206")),
             guest_packet(Operation::QueryProperties),
             guest_packet(Operation::EndInitialization) }) {
        channel.incoming.push_back(inband_packet(payload, 1));
    }
    device.on_packets(channel);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzedDataProvider input(data, size);
    auto memory = vmm::GuestMemory::allocate_for_test(ram);
    const std::byte* ram_base = memory.slice(vmm::GuestAddress(0), 1).value().data();
    std::vector<CheckingBackend*> backends;
    std::vector<Lun> luns;
    luns.push_back(make_lun(memory, ram_base, false, backends));
    luns.push_back(make_lun(memory, ram_base, true, backends));
    OpenedOffers offers;
    StorvspDevice device(memory, std::move(luns),
        { .protocol = { .max_sub_channels = 2, .max_transfer_bytes = 64 * 1024 },
            .max_in_flight = max_in_flight },
        &offers);
    auto channel = std::make_unique<FakeChannel>();
    require(device.opened(*channel, {}));
    if (input.ConsumeBool()) {
        handshake(device, *channel);
    }

    size_t requests = channel->sent.size();
    uint64_t trans_id = 100;
    while (input.remaining_bytes() > 0) {
        switch (input.ConsumeIntegralInRange<int>(0, 6)) {
        case 0:
        case 1:
            channel->incoming.push_back(srb_from(input, trans_id++));
            ++requests;
            device.on_packets(*channel);
            break;
        case 2:
            channel->incoming.push_back(raw_from(input, trans_id++));
            ++requests;
            device.on_packets(*channel);
            break;
        case 3: {
            auto& backend = *backends[input.ConsumeIntegralInRange<size_t>(0, 1)];
            const int error = input.ConsumeBool() ? 0 : input.ConsumeIntegralInRange<int>(1, 140);
            for (auto n = input.ConsumeIntegralInRange<int>(1, 4);
                 n > 0 && !backend.pending.empty(); --n) {
                auto done = std::move(backend.pending.front());
                backend.pending.pop_front();
                done(error);
            }
            break;
        }
        case 4:
            channel->room = input.ConsumeIntegralInRange<size_t>(0, 3);
            device.on_ring_space(*channel);
            break;
        case 6:
            // An SRB on a sub-channel, if the guest made any.
            if (!offers.opened.empty()) {
                auto& [sub, endpoint] = offers.opened[input.ConsumeIntegralInRange<size_t>(
                    0, offers.opened.size() - 1)];
                endpoint->incoming.push_back(srb_from(input, trans_id++));
                sub->on_packets(*endpoint);
                for (const auto& sent : endpoint->sent) {
                    require(sent.descriptor.type == VM_PKT_COMP);
                }
            }
            break;
        case 5:
            device.closed(*channel);
            channel = std::make_unique<FakeChannel>();
            requests = 0;
            require(device.opened(*channel, {}));
            break;
        }
        require(device.in_flight(*channel) <= max_in_flight);
        require(channel->sent.size() <= requests);
        for (const auto& sent : channel->sent) {
            require(sent.descriptor.type == VM_PKT_COMP);
            require(sent.payload.size() >= 48 && sent.payload.size() <= vstor_packet_size);
            require(vmm::load_le<uint32_t>(sent.payload, 0) == uint32_t(Operation::CompleteIo));
        }
    }
    return 0;
}
