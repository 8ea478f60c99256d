// SPDX-License-Identifier: Apache-2.0
// The control plane against a fake host and a guest played by the test, on plain memory.
#include "guestmem/guest_memory.h"
#include "vmbus-lite/control/control_plane.h"
#include "vmbus-lite/protocol/guid.h"
#include "vmbus-lite/protocol/versions.h"

#include <cstring>
#include <doctest/doctest.h>

using namespace vmbus;

namespace {

constexpr uint32_t vcpus = 2;
constexpr uint64_t ram_size = 4 << 20;
constexpr uint32_t ring_pfn = 0x100; // Guest pages 0x100.. hold the test rings.
constexpr uint32_t ring_pages = 8; // 4 each way: a header page and 3 data pages.

struct Sent {
    uint32_t vp;
    std::vector<std::byte> bytes;
    MessageType type() const
    {
        MessageType type {};
        std::memcpy(&type, bytes.data(), sizeof(type));
        return type;
    }
    template<class T> T as() const
    {
        REQUIRE(bytes.size() == sizeof(T));
        T value {};
        std::memcpy(&value, bytes.data(), sizeof(T));
        return value;
    }
};

class FakeHost final : public BusHost {
public:
    void post_to_guest(uint32_t vp, std::span<const std::byte> message) override
    {
        sent.push_back({ vp, { message.begin(), message.end() } });
    }
    void signal_guest(uint32_t vp, uint32_t relid) override { signals.emplace_back(vp, relid); }
    bool watch_connection(uint32_t id) override
    {
        if (allow_watch) {
            watched.push_back(id);
        }
        return allow_watch;
    }
    void unwatch_connection(uint32_t id) override { std::erase(watched, id); }

    Sent take()
    {
        REQUIRE(!sent.empty());
        Sent first = sent.front();
        sent.erase(sent.begin());
        return first;
    }

    std::vector<Sent> sent;
    std::vector<std::pair<uint32_t, uint32_t>> signals;
    std::vector<uint32_t> watched;
    bool allow_watch { true };
};

/// Echoes every packet back as an in-band packet with the same transaction id.
class EchoDevice final : public Device {
public:
    explicit EchoDevice(uint8_t tag = 1)
        : m_tag(tag)
    {
    }
    OfferParams offer() const override
    {
        OfferParams params;
        params.interface_type = make_guid("0e0b6031-5213-4934-818b-38d90ced39db");
        params.interface_instance[0] = m_tag;
        return params;
    }
    bool opened(ChannelEndpoint& channel, std::span<const uint8_t>) override
    {
        open = &channel;
        ++opens;
        return accept;
    }
    void on_packets(ChannelEndpoint& channel) override
    {
        while (true) {
            auto packet = channel.receive();
            if (!packet) {
                last_error = packet.error();
                return;
            }
            ++received;
            PacketDescriptor reply { .type = VM_PKT_DATA_INBAND,
                .trans_id = packet->descriptor.trans_id };
            (void)channel.send(reply, packet->payload());
        }
    }
    void closed(ChannelEndpoint&) override
    {
        open = nullptr;
        ++closes;
    }

    ChannelEndpoint* open { nullptr };
    bool accept { true };
    int opens { 0 };
    int closes { 0 };
    int received { 0 };
    RingError last_error { RingError::Empty };

private:
    uint8_t m_tag;
};

template<class T> std::vector<std::byte> bytes_of(const T& message)
{
    std::vector<std::byte> bytes(sizeof(T));
    std::memcpy(bytes.data(), &message, sizeof(T));
    return bytes;
}

struct Bus {
    Bus()
        : memory(vmm::GuestMemory::allocate_for_test(ram_size))
        , control(memory, vcpus, host)
    {
    }

    void send(const std::vector<std::byte>& bytes) { control.handle_message(bytes); }
    template<class T> void send(const T& message) { send(bytes_of(message)); }

    void connect(uint32_t version = version_win10_v5_3, uint32_t vp = 1)
    {
        InitiateContactMessage contact {};
        contact.header.msgtype = MessageType::InitiateContact;
        contact.vmbus_version_requested = version;
        contact.target_vcpu = vp;
        contact.interrupt_page_or_sint = 2;
        send(contact);
    }
    void request_offers() { send(MessageHeader { MessageType::RequestOffers, 0 }); }

    /// A GPADL_HEADER as Linux sends it, carrying the first `carried` of `pages` PFNs.
    void gpadl_header(
        uint32_t relid, uint32_t gpadl, uint32_t first_pfn, uint32_t pages, uint32_t carried)
    {
        GpadlHeaderMessage header { { MessageType::GpadlHeader, 0 }, relid, gpadl,
            uint16_t(8 + 8 * pages), 1 };
        std::vector<std::byte> bytes = bytes_of(header);
        const uint32_t range[2] = { pages * 4096, 0 };
        append(bytes, range, sizeof(range));
        for (uint32_t i = 0; i < carried; ++i) {
            const uint64_t pfn = first_pfn + i;
            append(bytes, &pfn, 8);
        }
        send(bytes);
    }
    void gpadl_body(uint32_t gpadl, uint64_t first_pfn, uint32_t count)
    {
        GpadlBodyMessage body { { MessageType::GpadlBody, 0 }, 0, gpadl };
        std::vector<std::byte> bytes = bytes_of(body);
        for (uint32_t i = 0; i < count; ++i) {
            const uint64_t pfn = first_pfn + i;
            append(bytes, &pfn, 8);
        }
        send(bytes);
    }
    void open_channel(uint32_t relid, uint32_t gpadl, uint32_t vp = 1, uint32_t offset = 4)
    {
        OpenChannelMessage open {};
        open.header.msgtype = MessageType::OpenChannel;
        open.child_relid = relid;
        open.openid = relid;
        open.ringbuffer_gpadlhandle = gpadl;
        open.target_vp = vp;
        open.downstream_ringbuffer_pageoffset = offset;
        send(open);
    }
    /// Connects, offers, creates the ring GPADL and opens relid 1; drops the replies.
    void open_first_channel()
    {
        connect();
        request_offers();
        gpadl_header(1, 0xe1e10, ring_pfn, ring_pages, ring_pages);
        open_channel(1, 0xe1e10);
        REQUIRE(host.sent.back().type() == MessageType::OpenChannelResult);
        REQUIRE(host.sent.back().as<OpenChannelResultMessage>().status == 0);
        host.sent.clear();
    }

    /// The guest's view of the ring pages: it writes the first half and reads the second.
    RingPair guest_rings()
    {
        Gpadl gpadl {
            .id = 0, .child_relid = 1, .byte_offset = 0, .byte_count = ring_pages * 4096, .pfns = {}
        };
        for (uint32_t i = 0; i < ring_pages; ++i) {
            gpadl.pfns.push_back(ring_pfn + i);
        }
        auto rings = map_ring_pair(memory, gpadl, 4);
        REQUIRE(rings);
        return std::move(rings).value();
    }

    static void append(std::vector<std::byte>& bytes, const void* data, size_t size)
    {
        const auto* begin = static_cast<const std::byte*>(data);
        bytes.insert(bytes.end(), begin, begin + size);
    }

    vmm::GuestMemory memory;
    FakeHost host;
    ControlPlane control;
};

} // namespace

TEST_CASE("INITIATE_CONTACT for 5.3 is accepted on the VP the guest names")
{
    Bus bus;
    bus.connect(version_win10_v5_3, 1);
    Sent reply = bus.host.take();
    CHECK(reply.vp == 1);
    auto response = reply.as<VersionResponseMessage>();
    CHECK(response.header.msgtype == MessageType::VersionResponse);
    CHECK(response.version_supported == 1);
    CHECK(response.msg_conn_id == message_connection_id);
    CHECK(bus.control.connected());
    CHECK(bus.control.version() == version_win10_v5_3);
}

TEST_CASE("every version Linux proposes is accepted; others are declined")
{
    for (uint32_t version : supported_versions) {
        Bus bus;
        bus.connect(version, 0);
        CHECK(bus.host.take().as<VersionResponseMessage>().version_supported == 1);
    }
    for (uint32_t version : { make_version(6, 0), make_version(1, 0), 0u }) {
        Bus bus;
        bus.connect(version, 0);
        CHECK(bus.host.take().as<VersionResponseMessage>().version_supported == 0);
        CHECK_FALSE(bus.control.connected());
        bus.request_offers(); // Ignored: not connected.
        CHECK(bus.host.sent.empty());
    }
}

TEST_CASE("a 5.x INITIATE_CONTACT must use message SINT 2")
{
    Bus bus;
    InitiateContactMessage contact {};
    contact.header.msgtype = MessageType::InitiateContact;
    contact.vmbus_version_requested = version_win10_v5_3;
    contact.interrupt_page_or_sint = 3;
    bus.send(contact);
    CHECK(bus.host.take().as<VersionResponseMessage>().version_supported == 0);
}

TEST_CASE("a target VP the guest does not have gets its reply on VP 0")
{
    Bus bus;
    bus.connect(version_win10_v5_3, 7);
    CHECK(bus.host.take().vp == 0);
}

TEST_CASE("REQUESTOFFERS offers every device, then ALLOFFERS_DELIVERED")
{
    EchoDevice first(1), second(2);
    Bus bus;
    CHECK(bus.control.add_device(first) == 1);
    CHECK(bus.control.add_device(second) == 2);
    bus.connect();
    bus.request_offers();
    bus.host.take(); // VERSION_RESPONSE
    for (uint32_t relid : { 1u, 2u }) {
        auto offer = bus.host.take().as<OfferChannelMessage>();
        CHECK(offer.header.msgtype == MessageType::OfferChannel);
        CHECK(offer.child_relid == relid);
        CHECK(offer.connection_id == connection_id_of(relid));
        CHECK(offer.if_type == make_guid("0e0b6031-5213-4934-818b-38d90ced39db"));
        CHECK(offer.if_instance[0] == relid);
        CHECK(offer.is_dedicated_interrupt == 1);
        CHECK(offer.monitor_allocated == 0);
    }
    CHECK(bus.host.take().type() == MessageType::AllOffersDelivered);
    CHECK(bus.host.sent.empty());
}

TEST_CASE("a device added after the offers were requested is offered at once")
{
    Bus bus;
    bus.connect();
    bus.request_offers();
    bus.host.sent.clear();
    EchoDevice device;
    const uint32_t relid = bus.control.add_device(device);
    CHECK(bus.host.take().as<OfferChannelMessage>().child_relid == relid);
}

TEST_CASE("GPADL_CREATED follows the last PFN, in the header or in a body")
{
    Bus bus;
    bus.connect();
    bus.host.sent.clear();
    bus.gpadl_header(1, 0x10, ring_pfn, 4, 4);
    auto created = bus.host.take().as<GpadlCreatedMessage>();
    CHECK(created.gpadl == 0x10);
    CHECK(created.child_relid == 1);
    CHECK(created.creation_status == 0);

    bus.gpadl_header(1, 0x11, ring_pfn, 30, 26);
    CHECK(bus.host.sent.empty());
    bus.gpadl_body(0x11, ring_pfn + 26, 4);
    created = bus.host.take().as<GpadlCreatedMessage>();
    CHECK(created.gpadl == 0x11);
    CHECK(created.creation_status == 0);
}

TEST_CASE("a GPADL naming pages outside guest RAM fails, and the guest is told")
{
    Bus bus;
    bus.connect();
    bus.host.sent.clear();
    bus.gpadl_header(3, 0x12, (ram_size >> 12) - 1, 2, 2);
    auto created = bus.host.take().as<GpadlCreatedMessage>();
    CHECK(created.gpadl == 0x12);
    CHECK(created.child_relid == 3);
    CHECK(created.creation_status != 0);

    bus.gpadl_header(3, 0x13, ring_pfn, 30, 26);
    bus.gpadl_body(0x13, 0xfffffffff, 4);
    created = bus.host.take().as<GpadlCreatedMessage>();
    CHECK(created.gpadl == 0x13);
    CHECK(created.child_relid == 3);
    CHECK(created.creation_status != 0);
}

TEST_CASE("GPADL_TEARDOWN is always answered, known or not")
{
    Bus bus;
    bus.connect();
    bus.gpadl_header(1, 0x10, ring_pfn, 4, 4);
    bus.host.sent.clear();
    for (uint32_t gpadl : { 0x10u, 0x10u, 0x99u }) {
        bus.send(GpadlTeardownMessage { { MessageType::GpadlTeardown, 0 }, 1, gpadl });
        auto torndown = bus.host.take().as<GpadlTorndownMessage>();
        CHECK(torndown.header.msgtype == MessageType::GpadlTorndown);
        CHECK(torndown.gpadl == gpadl);
    }
}

TEST_CASE("OPENCHANNEL maps the rings, watches the connection and tells the device")
{
    EchoDevice device;
    Bus bus;
    bus.control.add_device(device);
    bus.open_first_channel();
    CHECK(device.opens == 1);
    CHECK(device.open != nullptr);
    CHECK(bus.host.watched == std::vector<uint32_t> { connection_id_of(1) });
    CHECK(bus.control.open_relids() == std::vector<uint32_t> { 1 });
}

TEST_CASE("OPENCHANNEL that cannot be honoured fails with a non-zero status")
{
    auto expect_failure = [](auto&& setup) {
        EchoDevice device;
        Bus bus;
        bus.control.add_device(device);
        bus.connect();
        bus.request_offers();
        bus.gpadl_header(1, 0x10, ring_pfn, ring_pages, ring_pages);
        bus.host.sent.clear();
        setup(bus, device);
        auto result = bus.host.sent.back().as<OpenChannelResultMessage>();
        CHECK(result.status != 0);
        CHECK(bus.control.open_relids().empty());
        CHECK(bus.host.watched.empty());
    };
    expect_failure([](Bus& bus, EchoDevice&) { bus.open_channel(9, 0x10); }); // Unknown relid.
    expect_failure([](Bus& bus, EchoDevice&) { bus.open_channel(1, 0x77); }); // Unknown GPADL.
    expect_failure([](Bus& bus, EchoDevice&) { bus.open_channel(1, 0x10, 1, 1); }); // Bad split.
    expect_failure([](Bus& bus, EchoDevice&) { bus.open_channel(1, 0x10, 1, 8); }); // Bad split.
    expect_failure([](Bus& bus, EchoDevice&) { bus.open_channel(1, 0x10, vcpus); }); // No such VP.
    expect_failure([](Bus& bus, EchoDevice& device) {
        device.accept = false;
        bus.open_channel(1, 0x10);
    });
    expect_failure([](Bus& bus, EchoDevice&) {
        bus.host.allow_watch = false;
        bus.open_channel(1, 0x10);
    });
}

TEST_CASE("a second OPENCHANNEL on an open channel fails without disturbing it")
{
    EchoDevice device;
    Bus bus;
    bus.control.add_device(device);
    bus.open_first_channel();
    bus.open_channel(1, 0xe1e10);
    CHECK(bus.host.take().as<OpenChannelResultMessage>().status != 0);
    CHECK(device.opens == 1);
    CHECK(bus.control.open_relids() == std::vector<uint32_t> { 1 });
}

TEST_CASE("a guest signal runs the device, whose replies interrupt the target VP")
{
    EchoDevice device;
    Bus bus;
    bus.control.add_device(device);
    bus.open_first_channel();
    RingPair guest = bus.guest_rings();
    OutgoingRing guest_out(*guest.guest_to_host);
    IncomingRing guest_in(*guest.host_to_guest);

    const std::byte payload[24] { std::byte { 0xab } };
    for (uint64_t id = 1; id <= 3; ++id) {
        REQUIRE(guest_out.write({ .type = VM_PKT_DATA_INBAND, .trans_id = id }, payload));
    }
    bus.control.on_guest_signal(connection_id_of(1));
    CHECK(device.received == 3);
    // One interrupt: the guest's inbound ring went from empty to non-empty once.
    CHECK(bus.host.signals == std::vector<std::pair<uint32_t, uint32_t>> { { 1, 1 } });
    for (uint64_t id = 1; id <= 3; ++id) {
        auto echoed = guest_in.read();
        REQUIRE(echoed);
        CHECK(echoed->descriptor.trans_id == id);
        CHECK(echoed->payload().size() == sizeof(payload));
    }
    // The host published its reads: the guest sees its own ring empty again.
    CHECK(guest.guest_to_host->load(RingControl::ReadIndex)
        == guest.guest_to_host->load(RingControl::WriteIndex));
}

TEST_CASE("signals on unknown or closed connections are ignored")
{
    EchoDevice device;
    Bus bus;
    bus.control.add_device(device);
    bus.control.on_guest_signal(connection_id_of(1)); // Offered, never opened.
    bus.control.on_guest_signal(0);
    bus.control.on_guest_signal(connection_id_of(2047));
    CHECK(device.received == 0);
}

TEST_CASE("MODIFYCHANNEL moves the channel's interrupts, and 5.3 guests get an answer")
{
    EchoDevice device;
    Bus bus;
    bus.control.add_device(device);
    bus.open_first_channel();
    bus.send(ModifyChannelMessage { { MessageType::ModifyChannel, 0 }, 1, 0 });
    auto response = bus.host.take().as<ModifyChannelResponseMessage>();
    CHECK(response.child_relid == 1);
    CHECK(response.status == 0);

    RingPair guest = bus.guest_rings();
    OutgoingRing guest_out(*guest.guest_to_host);
    REQUIRE(guest_out.write({ .type = VM_PKT_DATA_INBAND, .trans_id = 5 }, {}));
    bus.control.on_guest_signal(connection_id_of(1));
    REQUIRE(!bus.host.signals.empty());
    CHECK(bus.host.signals.front().first == 0);

    bus.send(ModifyChannelMessage { { MessageType::ModifyChannel, 0 }, 1, 99 });
    CHECK(bus.host.take().as<ModifyChannelResponseMessage>().status != 0);
}

TEST_CASE("below 5.3 MODIFYCHANNEL gets no answer")
{
    Bus bus;
    bus.connect(make_version(5, 2));
    bus.host.sent.clear();
    bus.send(ModifyChannelMessage { { MessageType::ModifyChannel, 0 }, 1, 0 });
    CHECK(bus.host.sent.empty());
}

TEST_CASE("CLOSECHANNEL closes the device; the guest may open the channel again")
{
    EchoDevice device;
    Bus bus;
    bus.control.add_device(device);
    bus.open_first_channel();
    bus.send(RelidMessage { { MessageType::CloseChannel, 0 }, 1 });
    CHECK(bus.host.sent.empty()); // No reply.
    CHECK(device.closes == 1);
    CHECK(bus.host.watched.empty());
    CHECK(bus.control.open_relids().empty());
    bus.open_channel(1, 0xe1e10);
    CHECK(bus.host.take().as<OpenChannelResultMessage>().status == 0);
    CHECK(device.opens == 2);
}

TEST_CASE("UNLOAD closes everything, answers, and a new connection starts afresh")
{
    EchoDevice device;
    Bus bus;
    bus.control.add_device(device);
    bus.open_first_channel();
    bus.send(MessageHeader { MessageType::Unload, 0 });
    Sent reply = bus.host.take();
    CHECK(reply.type() == MessageType::UnloadResponse);
    CHECK(reply.vp == 1);
    CHECK(device.closes == 1);
    CHECK_FALSE(bus.control.connected());
    CHECK(bus.host.watched.empty());

    bus.connect(version_win10_v5_3, 0);
    bus.request_offers();
    CHECK(bus.host.take().as<VersionResponseMessage>().version_supported == 1);
    CHECK(bus.host.take().as<OfferChannelMessage>().child_relid == 1);
    CHECK(bus.host.take().type() == MessageType::AllOffersDelivered);
    // The old GPADL went with the old connection.
    bus.open_channel(1, 0xe1e10, 0);
    CHECK(bus.host.take().as<OpenChannelResultMessage>().status != 0);
}

TEST_CASE("INITIATE_CONTACT on a live connection resets it, as after a guest reboot")
{
    EchoDevice device;
    Bus bus;
    bus.control.add_device(device);
    bus.open_first_channel();
    bus.connect();
    CHECK(device.closes == 1);
    CHECK(bus.control.open_relids().empty());
    CHECK(bus.host.take().as<VersionResponseMessage>().version_supported == 1);
    bus.request_offers();
    CHECK(bus.host.take().as<OfferChannelMessage>().child_relid == 1);
}

TEST_CASE("removing a device rescinds it; its relid is reused only after RELID_RELEASED")
{
    EchoDevice first(1), second(2);
    Bus bus;
    bus.control.add_device(first);
    bus.open_first_channel();
    bus.control.remove_device(first);
    CHECK(first.closes == 1);
    auto rescind = bus.host.take().as<RescindChannelOfferMessage>();
    CHECK(rescind.header.msgtype == MessageType::RescindChannelOffer);
    CHECK(rescind.child_relid == 1);
    CHECK(bus.control.add_device(second) == 2);
    bus.host.sent.clear();
    bus.send(RelidMessage { { MessageType::RelidReleased, 0 }, 1 });
    CHECK(bus.host.sent.empty());
    EchoDevice third(3);
    CHECK(bus.control.add_device(third) == 1);
}

TEST_CASE("a corrupt ring resets the channel: rescind, then a fresh offer after release")
{
    EchoDevice device;
    Bus bus;
    bus.control.add_device(device);
    bus.open_first_channel();
    RingPair guest = bus.guest_rings();
    guest.guest_to_host->store(RingControl::WriteIndex, 0xfff0); // Past the data area.
    bus.control.on_guest_signal(connection_id_of(1));
    CHECK(device.closes == 1);
    CHECK(bus.host.take().as<RescindChannelOfferMessage>().child_relid == 1);
    bus.send(RelidMessage { { MessageType::CloseChannel, 0 }, 1 });
    bus.send(RelidMessage { { MessageType::RelidReleased, 0 }, 1 });
    CHECK(bus.host.take().as<OfferChannelMessage>().child_relid == 1);
}

TEST_CASE("messages before INITIATE_CONTACT, and malformed ones, get no answer")
{
    EchoDevice device;
    Bus bus;
    bus.control.add_device(device);
    bus.request_offers();
    bus.send(MessageHeader { MessageType::Unload, 0 });
    bus.send(std::vector<std::byte>(3));
    bus.send(std::vector<std::byte>(241));
    CHECK(bus.host.sent.empty());
    bus.connect();
    bus.host.sent.clear();
    bus.send(MessageHeader { MessageType(99), 0 });
    bus.send(MessageHeader { MessageType::OfferChannel, 0 }); // Host-to-guest type.
    CHECK(bus.host.sent.empty());
}

TEST_CASE("TL_CONNECT_REQUEST reaches the connect handler")
{
    Bus bus;
    std::vector<Guid> services;
    bus.control.set_connect_handler(
        [&](const TlConnectRequestMessage& m) { services.push_back(m.host_service_id); });
    bus.connect();
    TlConnectRequestMessage request {};
    request.header.msgtype = MessageType::TlConnectRequest;
    request.host_service_id = make_guid("00000400-facb-11e6-bd58-64006a7986d3");
    bus.send(request);
    REQUIRE(services.size() == 1);
    CHECK(services[0] == request.host_service_id);
}

TEST_CASE("connection ids: 1 and 4 carry messages; channel ids never collide with them")
{
    CHECK(ControlPlane::is_message_connection(1));
    CHECK(ControlPlane::is_message_connection(4));
    CHECK_FALSE(ControlPlane::is_message_connection(2));
    CHECK_FALSE(ControlPlane::is_message_connection(connection_id_of(1)));
    CHECK(connection_id_of(1) > 4);
    CHECK(connection_id_of(2047) <= 0xffffff);
}
