// SPDX-License-Identifier: Apache-2.0
// The SCSI controller on a channel, as Linux's storvsc drives it: probe answers land in guest
// pages, I/O goes through the backend and completes once, and hostile requests get error
// completions without reaching the backend.
#include "vmbus-lite/storvsp/storvsp_device.h"

#include "vmbus-lite/storvsp/storvsp_test_support.h"

#include <doctest/doctest.h>

using namespace vmbus;
using namespace vmbus::storvsp;
using namespace storvsp_test;

namespace {

constexpr uint64_t ram = 16 << 20;
constexpr uint64_t data_pfn = 0x100; // 1 MiB into guest RAM
constexpr uint64_t disk_blocks = 2048; // 1 MiB of 512-byte blocks
constexpr uint64_t init_trans_id = ~uint64_t { 0 } - 2; // VMBUS_RQST_INIT

/// The control plane's side of sub-channel offers, as a list.
struct RecordedOffers final : ChannelOffers {
    void offer(Device& channel) override { offered.push_back(&channel); }
    void withdraw(Device& channel) override { withdrawn.push_back(&channel); }
    std::vector<Device*> offered;
    std::vector<Device*> withdrawn;
};

struct Controller {
    explicit Controller(size_t lun_count = 1, StorvspOptions options = {}, bool read_only = false,
        ChannelOffers* offers = nullptr)
        : memory(vmm::GuestMemory::allocate_for_test(ram))
        , device(memory, make_luns(lun_count, read_only), options, offers)
    {
        REQUIRE(device.opened(channel, {}));
    }

    std::vector<Lun> make_luns(size_t count, bool read_only)
    {
        std::vector<Lun> luns;
        for (size_t i = 0; i < count; ++i) {
            auto backend = std::make_unique<MemoryBackend>(disk_blocks * 512);
            backends.push_back(backend.get());
            auto disk = scsi::ScsiDisk::create({ .block_count = disk_blocks,
                                                   .read_only = read_only,
                                                   .serial = "disk" + std::to_string(i),
                                                   .discard = true })
                            .value();
            luns.push_back({ std::move(disk), std::move(backend) });
        }
        return luns;
    }

    void deliver(Packet packet)
    {
        channel.incoming.push_back(std::move(packet));
        device.on_packets(channel);
    }

    /// Linux's storvsc_channel_init, WIN10; clears what the host sent.
    void negotiate()
    {
        deliver(inband_packet(guest_packet(Operation::BeginInitialization), init_trans_id));
        deliver(inband_packet(
            guest_packet(Operation::QueryProtocolVersion, hex("0206")), init_trans_id));
        deliver(inband_packet(guest_packet(Operation::QueryProperties), init_trans_id));
        deliver(inband_packet(guest_packet(Operation::EndInitialization), init_trans_id));
        REQUIRE(channel.sent.size() == 4);
        for (const auto& sent : channel.sent) {
            REQUIRE(sent.status() == 0);
        }
        channel.sent.clear();
    }

    /// Sends one SRB with `length` bytes of data at data_pfn (none when 0); returns its id.
    uint64_t send_srb(std::vector<uint8_t> cdb, DataDirection direction, uint32_t length,
        uint8_t lun = 0, uint8_t target = 0)
    {
        const uint64_t id = next_id++;
        const auto payload = srb_packet(std::move(cdb), direction, length, lun, target);
        if (length == 0) {
            deliver(inband_packet(payload, id));
        } else {
            std::vector<uint64_t> pfns;
            for (uint64_t page = 0; page * 4096 < length; ++page) {
                pfns.push_back(data_pfn + page);
            }
            deliver(gpa_direct_packet(payload, id, pfns, length));
        }
        return id;
    }

    /// The completion for `id`; fails the test when there is not exactly one.
    FakeChannel::Sent completion(uint64_t id) const
    {
        const FakeChannel::Sent* found = nullptr;
        int count = 0;
        for (const auto& sent : channel.sent) {
            if (sent.descriptor.trans_id == id) {
                found = &sent;
                ++count;
            }
        }
        REQUIRE(count == 1);
        CHECK(found->descriptor.type == VM_PKT_COMP);
        CHECK(found->payload.size() == vstor_packet_size);
        CHECK(vmm::load_le<uint32_t>(found->payload, 0) == uint32_t(Operation::CompleteIo));
        return *found;
    }

    std::vector<std::byte> guest_data(size_t length) const
    {
        std::vector<std::byte> out(length);
        REQUIRE(memory.read(vmm::GuestAddress(data_pfn * 4096), out));
        return out;
    }

    vmm::GuestMemory memory;
    std::vector<MemoryBackend*> backends;
    StorvspDevice device;
    FakeChannel channel;
    uint64_t next_id { 1 };
};

const std::vector<uint8_t> read10_one_block { 0x28, 0, 0, 0, 0, 5, 0, 0, 1, 0 };
const std::vector<uint8_t> write10_one_block { 0x2a, 0, 0, 0, 0, 5, 0, 0, 1, 0 };

} // namespace

TEST_CASE("storvsp: the offer names the SCSI controller class")
{
    Controller controller;
    CHECK(controller.device.offer().interface_type
        == make_guid("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f"));
}

TEST_CASE("storvsp: INQUIRY on LUN 0 writes the disk's data into the guest's page")
{
    Controller controller;
    controller.negotiate();

    const auto id = controller.send_srb({ 0x12, 0, 0, 0, 36, 0 }, DataDirection::Read, 36);

    const auto done = controller.completion(id);
    CHECK(done.srb_status() == srb_status::success);
    CHECK(done.transferred() == 36);
    const auto data = controller.guest_data(36);
    CHECK(data[0] == std::byte { 0 }); // a disk is present
    CHECK(std::string(reinterpret_cast<const char*>(data.data()) + 8, 4) == "Msft");
}

TEST_CASE("storvsp: an address without a disk says so, and REPORT LUNS lists every disk")
{
    Controller controller(3);
    controller.negotiate();

    const auto absent
        = controller.send_srb({ 0x12, 0, 0, 0, 36, 0 }, DataDirection::Read, 36, 0, 1);
    const auto absent_data = controller.guest_data(1);
    const auto unit_ready = controller.send_srb({ 0, 0, 0, 0, 0, 0 }, DataDirection::None, 0, 9);
    const auto report = controller.send_srb(
        { 0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 }, DataDirection::Read, 256, 2);

    CHECK(absent_data[0] == std::byte { 0x7f });
    CHECK(controller.completion(absent).srb_status() == srb_status::success);
    CHECK(controller.completion(unit_ready).srb_status() == srb_status::invalid_lun);
    CHECK(controller.completion(report).transferred() == 8 + 3 * 8);
}

TEST_CASE("storvsp: a write then a read move the guest's bytes through the backend")
{
    Controller controller;
    controller.negotiate();
    std::vector<std::byte> pattern(512);
    for (size_t i = 0; i < pattern.size(); ++i) {
        pattern[i] = std::byte(i * 7);
    }
    REQUIRE(controller.memory.write(vmm::GuestAddress(data_pfn * 4096), pattern));

    const auto write = controller.send_srb(write10_one_block, DataDirection::Write, 512);
    CHECK(controller.channel.sent.empty()); // Nothing completes before the backend does.
    CHECK(controller.device.in_flight(controller.channel) == 1);
    CHECK(controller.backends[0]->kicks > 0);
    CHECK(controller.backends[0]->complete_all() == 1);
    CHECK(controller.completion(write).srb_status() == srb_status::success);
    CHECK(std::equal(
        pattern.begin(), pattern.end(), controller.backends[0]->image.begin() + 5 * 512));

    REQUIRE(controller.memory.fill(vmm::GuestAddress(data_pfn * 4096), 512, std::byte { 0 }));
    const auto read = controller.send_srb(read10_one_block, DataDirection::Read, 512);
    controller.backends[0]->complete_all();
    CHECK(controller.completion(read).transferred() == 512);
    CHECK(controller.guest_data(512) == pattern);
    CHECK(controller.device.in_flight(controller.channel) == 0);
}

TEST_CASE("storvsp: a read past the end is LBA OUT OF RANGE, without reaching the backend")
{
    Controller controller;
    controller.negotiate();

    const auto id
        = controller.send_srb({ 0x28, 0, 0, 0, 0x07, 0xff, 0, 0, 2, 0 }, DataDirection::Read, 1024);

    const auto done = controller.completion(id);
    CHECK(done.scsi_status() == 0x02);
    CHECK(done.srb_status() == (srb_status::error | srb_status::autosense_valid));
    CHECK(done.sense() == std::array<uint8_t, 3> { 0x05, 0x21, 0x00 });
    CHECK(controller.backends[0]->queued.empty());
}

TEST_CASE("storvsp: a page list outside guest RAM or shorter than the transfer is refused")
{
    Controller controller;
    controller.negotiate();
    const auto payload = srb_packet(read10_one_block, DataDirection::Read, 512);

    controller.deliver(gpa_direct_packet(payload, 50, { ram / 4096 + 10 }, 512));
    controller.deliver(gpa_direct_packet(payload, 51, { data_pfn }, 256));
    controller.deliver(gpa_direct_packet(payload, 52, { data_pfn }, 512, 0, 2));
    controller.deliver(inband_packet(payload, 53));

    for (uint64_t id : { 50, 51, 52, 53 }) {
        CHECK(controller.completion(id).srb_status() == srb_status::invalid_request);
    }
    CHECK(controller.backends[0]->queued.empty());
}

TEST_CASE("storvsp: a block count that disagrees with the buffer is refused whole")
{
    Controller controller;
    controller.negotiate();

    const auto id
        = controller.send_srb({ 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0 }, DataDirection::Read, 512);

    CHECK(controller.completion(id).sense() == std::array<uint8_t, 3> { 0x05, 0x24, 0x00 });
    CHECK(controller.backends[0]->queued.empty());
}

TEST_CASE("storvsp: an SRB before the handshake gets INVALID_DEVICE_STATE")
{
    Controller controller;

    const auto id = controller.send_srb({ 0, 0, 0, 0, 0, 0 }, DataDirection::None, 0);

    CHECK(controller.completion(id).status() == nt_status::invalid_device_state);
}

TEST_CASE("storvsp: a write to a read-only disk is DATA PROTECT")
{
    Controller controller(1, {}, true);
    controller.negotiate();

    const auto id = controller.send_srb(write10_one_block, DataDirection::Write, 512);

    CHECK(controller.completion(id).sense() == std::array<uint8_t, 3> { 0x07, 0x27, 0x00 });
    CHECK(controller.backends[0]->queued.empty());
}

TEST_CASE("storvsp: backend errors become medium errors, and a full host disk says so")
{
    Controller controller;
    controller.negotiate();

    const auto read = controller.send_srb(read10_one_block, DataDirection::Read, 512);
    controller.backends[0]->complete_all(EIO);
    const auto write = controller.send_srb(write10_one_block, DataDirection::Write, 512);
    controller.backends[0]->complete_all(ENOSPC);

    CHECK(controller.completion(read).sense() == std::array<uint8_t, 3> { 0x03, 0x11, 0x00 });
    CHECK(controller.completion(write).sense() == std::array<uint8_t, 3> { 0x07, 0x27, 0x07 });
    CHECK(controller.completion(write).transferred() == 0);
}

TEST_CASE("storvsp: SYNCHRONIZE CACHE and UNMAP reach the backend")
{
    Controller controller;
    controller.negotiate();
    controller.backends[0]->image.assign(controller.backends[0]->image.size(), std::byte { 0xee });

    const auto sync
        = controller.send_srb({ 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, DataDirection::None, 0);
    const std::vector<std::byte> unmap_list { std::byte { 0 }, std::byte { 22 }, std::byte { 0 },
        std::byte { 16 }, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, std::byte { 2 }, {}, {}, {},
        std::byte { 1 }, {}, {}, {}, {} };
    REQUIRE(controller.memory.write(vmm::GuestAddress(data_pfn * 4096), unmap_list));
    const auto unmap
        = controller.send_srb({ 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 }, DataDirection::Write, 24);
    controller.backends[0]->complete_all();

    CHECK(controller.completion(sync).srb_status() == srb_status::success);
    CHECK(controller.completion(unmap).srb_status() == srb_status::success);
    CHECK(controller.backends[0]->flushes == 1);
    CHECK(controller.backends[0]->image[2 * 512] == std::byte { 0 });
    CHECK(controller.backends[0]->image[3 * 512] == std::byte { 0xee });
}

TEST_CASE("storvsp: at its in-flight limit the device stops reading until completions drain")
{
    Controller controller(1, { .max_in_flight = 2 });
    controller.negotiate();
    auto& channel = controller.channel;
    const auto payload = srb_packet(read10_one_block, DataDirection::Read, 512);
    for (uint64_t id = 100; id < 105; ++id) {
        channel.incoming.push_back(gpa_direct_packet(payload, id, { data_pfn }, 512));
    }

    controller.device.on_packets(channel);
    CHECK(channel.incoming.size() == 3);
    CHECK(controller.backends[0]->queued.size() == 2);
    // Each completion makes room, and the device reads on without a new signal from the guest.
    while (controller.backends[0]->complete_all() != 0) { }

    CHECK(channel.incoming.empty());
    for (uint64_t id = 100; id < 105; ++id) {
        CHECK(controller.completion(id).srb_status() == srb_status::success);
    }
}

TEST_CASE("storvsp: completions the guest's ring has no room for wait, and nothing more is read")
{
    Controller controller;
    controller.negotiate();
    auto& channel = controller.channel;
    channel.room = 1;
    for (uint64_t id = 200; id < 203; ++id) {
        channel.incoming.push_back(
            inband_packet(srb_packet({ 0, 0, 0, 0, 0, 0 }, DataDirection::None, 0), id));
    }

    controller.device.on_packets(channel);
    CHECK(channel.sent.size() == 1);
    CHECK(channel.incoming.size() == 1); // The second is answered but waits; the third unread.

    channel.room = 10;
    controller.device.on_ring_space(channel);
    CHECK(channel.sent.size() == 3);
    CHECK(controller.device.in_flight(channel) == 0);
}

TEST_CASE("storvsp: I/O that completes after the channel closed is dropped")
{
    Controller controller;
    controller.negotiate();
    (void)controller.send_srb(read10_one_block, DataDirection::Read, 512);

    controller.device.closed(controller.channel);
    controller.backends[0]->complete_all();

    CHECK(controller.channel.sent.empty());
}

TEST_CASE(
    "storvsp: a truncated packet and a guest completion get no crash, and truncation an error")
{
    Controller controller;
    controller.negotiate();
    const std::vector<std::byte> short_payload(8);

    controller.deliver(inband_packet(short_payload, 60));
    controller.deliver(
        ring_packet_with_area(VM_PKT_COMP, 16, guest_packet(Operation::CompleteIo), 61));

    CHECK(controller.completion(60).status() == nt_status::invalid_parameter);
    CHECK(controller.channel.sent.size() == 1);
}

TEST_CASE("storvsp: CREATE_SUB_CHANNELS offers that many sub-channels, which serve requests")
{
    RecordedOffers offers;
    {
        Controller controller(1, { .protocol = { .max_sub_channels = 3 } }, false, &offers);
        controller.negotiate();
        controller.deliver(
            inband_packet(guest_packet(Operation::CreateSubChannels, hex("0200")), init_trans_id));
        REQUIRE(controller.channel.sent.size() == 1);
        CHECK(controller.channel.sent[0].status() == 0);
        REQUIRE(offers.offered.size() == 2);
        for (uint16_t i = 0; i < 2; ++i) {
            const auto params = offers.offered[i]->offer();
            CHECK(params.interface_type == StorvspDevice::class_id);
            CHECK(params.subchannel_index == i + 1);
        }

        // The guest opens sub-channel 1 and sends an SRB on it: the answer comes back there.
        FakeChannel sub;
        REQUIRE(offers.offered[0]->opened(sub, {}));
        sub.incoming.push_back(
            inband_packet(srb_packet({ 0, 0, 0, 0, 0, 0 }, DataDirection::None, 0), 77));
        offers.offered[0]->on_packets(sub);
        REQUIRE(sub.sent.size() == 1);
        CHECK(sub.sent[0].descriptor.trans_id == 77);
        CHECK(sub.sent[0].srb_status() == srb_status::success);
        CHECK(controller.channel.sent.size() == 1);

        // A second request (a driver reload) offers nothing more.
        controller.deliver(
            inband_packet(guest_packet(Operation::CreateSubChannels, hex("0200")), init_trans_id));
        CHECK(offers.offered.size() == 2);
        offers.offered[0]->closed(sub);
    }
    CHECK(offers.withdrawn == offers.offered);
}

TEST_CASE("storvsp: without a way to offer sub-channels, none are promised")
{
    Controller controller(1, { .protocol = { .max_sub_channels = 3 } });
    controller.negotiate();

    controller.deliver(
        inband_packet(guest_packet(Operation::CreateSubChannels, hex("0100")), init_trans_id));

    CHECK(controller.channel.sent.at(0).status() != 0);
    CHECK(controller.device.sub_channel_count() == 0);
}
