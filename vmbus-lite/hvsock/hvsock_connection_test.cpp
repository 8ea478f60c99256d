// SPDX-License-Identifier: Apache-2.0
// HvSockConnection through the real OpenChannel against the model of Linux 6.1's hv_sock.
#include "vmbus-lite/hvsock/hvsock_connection.h"

#include "vmbus-lite/hvsock/hvsock_test_support.h"

#include <cstring>
#include <doctest/doctest.h>

using namespace vmbus;
using namespace vmbus::hvsock;
using testing::Harness;
using testing::pattern;
using Reason = HvSockConnection::CloseReason;
using State = HvSockConnection::State;

namespace {

/// Writes a packet into the host-bound ring as a hostile guest could, and signals.
void inject(Harness& h, uint16_t type, std::span<const std::byte> payload)
{
    OutgoingRing writer(*h.to_host);
    auto packet_descriptor = pipe_descriptor();
    packet_descriptor.type = type;
    REQUIRE(writer.write(packet_descriptor, payload));
    h.service();
}

std::vector<std::byte> pipe_payload(uint32_t type, uint32_t data_size, size_t data_bytes)
{
    std::vector<std::byte> bytes(8 + data_bytes);
    const PipeHeader header { type, data_size };
    std::memcpy(bytes.data(), &header, sizeof(header));
    return bytes;
}

} // namespace

TEST_CASE("offers: guest-initiated and host-initiated hv_sock channels")
{
    const OfferParams in = guest_connect_offer(service_id(80), service_id(1025));
    CHECK(in.interface_type == service_id(80)); // The service the guest connects to...
    CHECK(in.interface_instance == service_id(1025)); // ...and its own endpoint.
    CHECK(in.channel_flags == 0x2011);
    CHECK(in.user_defined[0] == 0); // pipe_mode: byte pipe
    CHECK(in.user_defined[4] == 0); // not for guest accept: Linux looks for a connecting socket
    CHECK(in.user_defined[6] == 1); // OpenVMM's parameters version

    const Guid endpoint = host_endpoint_id(0x40000000, 1);
    const OfferParams out = host_connect_offer(5000, endpoint);
    CHECK(out.interface_type == service_id(5000)); // The guest's listening port.
    CHECK(out.interface_instance == endpoint);
    CHECK(out.channel_flags == 0x2011);
    CHECK(out.user_defined[4] == 1); // for guest accept: Linux looks for a listener
    CHECK(out.subchannel_index == 0);
}

TEST_CASE("a few bytes each way")
{
    Harness h;
    CHECK(h.connection.state() == State::Offered);
    REQUIRE(h.open());
    CHECK(h.opens == 1);
    CHECK(h.connection.state() == State::Open);

    h.outbound = pattern(100);
    h.push();
    h.guest.write(pattern(77, 5));
    REQUIRE(h.pump());
    CHECK(h.guest.received == pattern(100));
    CHECK(h.received == pattern(77, 5));
    CHECK(h.guest.errors.empty());
    CHECK(h.closes.empty());
}

TEST_CASE("host to guest: 1 MiB through a 24 KiB ring, every packet within Linux's limits")
{
    Harness h;
    REQUIRE(h.open());
    h.outbound = pattern(1 << 20);
    h.push();
    CHECK(h.sent < h.outbound.size()); // The ring filled up.
    REQUIRE(h.pump());
    CHECK(h.sent == h.outbound.size());
    CHECK(h.guest.errors.empty());
    CHECK(h.guest.received == h.outbound);
    CHECK(h.guest.largest_packet <= guest_max_packet_size);
    CHECK(h.guest.largest_packet > 8192); // Big packets while the ring is empty.
    CHECK(h.writables > 0);
}

TEST_CASE("host to guest: a guest that stops reading blocks the host until it reads again")
{
    Harness h;
    REQUIRE(h.open());
    h.guest.auto_read = false;
    h.outbound = pattern(200000);
    h.push();
    REQUIRE(h.pump());
    const size_t stuck = h.sent;
    CHECK(stuck < 24 * 1024);
    h.guest.read(1000); // Not the whole ring: Linux publishes nothing until it has read it all.
    REQUIRE(h.pump());
    CHECK(h.sent == stuck);
    h.guest.auto_read = true;
    h.guest.read();
    REQUIRE(h.pump());
    CHECK(h.sent == h.outbound.size());
    CHECK(h.guest.received == h.outbound);
    CHECK(h.guest.errors.empty());
}

TEST_CASE("guest to host: 1 MiB through a 24 KiB ring; the guest waits on pending_send_sz")
{
    Harness h;
    REQUIRE(h.open());
    h.guest.write(pattern(1 << 20, 3));
    CHECK_FALSE(h.guest.unsent.empty()); // The guest's ring filled up; it sleeps.
    REQUIRE(h.pump());
    CHECK(h.guest.unsent.empty());
    CHECK(h.received == pattern(1 << 20, 3));
}

TEST_CASE("back-pressure: a slow owner stops the ring; resume_receive() brings the rest in order")
{
    Harness h;
    REQUIRE(h.open());
    h.capacity = 10000;
    const auto data = pattern(300000, 7);
    h.guest.write(data);
    REQUIRE(h.pump());
    CHECK(h.received.size() == 10000);
    CHECK(h.connection.receive_paused());
    CHECK_FALSE(h.guest.unsent.empty()); // Blocked on the full ring.

    while (h.received.size() < data.size()) {
        const size_t before = h.received.size();
        h.capacity += 50000;
        h.connection.resume_receive();
        REQUIRE(h.pump());
        REQUIRE(h.received.size() > before);
    }
    CHECK(h.received == data);
    CHECK(h.guest.unsent.empty());
    CHECK_FALSE(h.connection.receive_paused());
}

TEST_CASE("FIN from the host: the guest reads every byte, then EOF")
{
    Harness h;
    REQUIRE(h.open());
    h.outbound = pattern(100000);
    h.fin_after = true;
    h.push();
    CHECK_FALSE(h.connection.fin_sent());
    REQUIRE(h.pump());
    CHECK(h.connection.fin_sent());
    CHECK(h.guest.eof);
    CHECK(h.guest.received == h.outbound);
    CHECK(h.connection.write(pattern(10)) == 0); // Nothing after FIN.
    CHECK(h.closes.empty()); // The guest has not said FIN yet.
}

TEST_CASE("FIN from the guest after its data, then the host's: closed once, Finished")
{
    Harness h;
    REQUIRE(h.open());
    h.guest.write(pattern(50000, 1));
    h.guest.shutdown_write();
    REQUIRE(h.pump());
    CHECK(h.received == pattern(50000, 1));
    CHECK(h.peer_fins == 1);
    CHECK(h.connection.fin_received());
    CHECK(h.closes.empty());

    h.outbound = pattern(3000);
    h.fin_after = true;
    h.push(); // A half-closed stream still carries data the other way.
    REQUIRE(h.pump());
    CHECK(h.guest.received == h.outbound);
    CHECK(h.guest.eof);
    REQUIRE(h.closes.size() == 1);
    CHECK(h.closes[0] == Reason::Finished);
    CHECK(h.connection.state() == State::Closed);
    h.close_channel(); // The control plane closes it on removal: no second report.
    CHECK(h.closes.size() == 1);
}

TEST_CASE("the guest's FIN waits behind data the owner has not taken")
{
    Harness h;
    REQUIRE(h.open());
    h.capacity = 100;
    h.guest.write(pattern(1000));
    h.guest.shutdown_write();
    h.outbound = {};
    h.fin_after = true;
    h.push();
    REQUIRE(h.pump());
    CHECK(h.peer_fins == 0);
    CHECK(h.closes.empty());
    h.capacity = SIZE_MAX;
    h.connection.resume_receive();
    REQUIRE(h.pump());
    CHECK(h.received == pattern(1000));
    CHECK(h.peer_fins == 1);
    REQUIRE(h.closes.size() == 1);
    CHECK(h.closes[0] == Reason::Finished);
}

TEST_CASE("the host's FIN waits for room in a full ring")
{
    Harness h;
    REQUIRE(h.open());
    h.guest.auto_read = false;
    h.outbound = pattern(100000);
    h.fin_after = true;
    h.push();
    REQUIRE(h.pump());
    CHECK_FALSE(h.connection.fin_sent());
    h.guest.auto_read = true;
    h.guest.read();
    REQUIRE(h.pump());
    CHECK(h.connection.fin_sent());
    CHECK(h.guest.eof);
    CHECK(h.guest.received == h.outbound);
}

TEST_CASE("a FIN asked for before open goes out once the guest opens")
{
    Harness h;
    h.connection.shutdown_send();
    CHECK(h.connection.write(pattern(5)) == 0);
    REQUIRE(h.open());
    CHECK(h.service_requested);
    REQUIRE(h.pump());
    CHECK(h.connection.fin_sent());
    CHECK(h.guest.eof);
}

TEST_CASE("nothing is written before open, and a second open is refused")
{
    Harness h;
    CHECK(h.connection.write(pattern(5)) == 0);
    REQUIRE(h.open());
    CHECK_FALSE(h.connection.opened(h.channel, {}));
    h.close_channel();
    CHECK_FALSE(h.connection.opened(h.channel, {})); // A reset connection stays dead.
}

TEST_CASE("the guest closing the channel is a reset")
{
    Harness h;
    REQUIRE(h.open());
    h.guest.write(pattern(10));
    REQUIRE(h.pump());
    h.close_channel();
    REQUIRE(h.closes.size() == 1);
    CHECK(h.closes[0] == Reason::GuestClosed);
    CHECK(h.connection.state() == State::Closed);
    CHECK(h.connection.write(pattern(10)) == 0);
    h.connection.shutdown_send();
    h.connection.resume_receive();
    CHECK(h.closes.size() == 1);
}

TEST_CASE("malformed guest packets reset the connection")
{
    Harness h;
    REQUIRE(h.open());
    h.guest.write(pattern(40));
    REQUIRE(h.pump());
    REQUIRE(h.received.size() == 40);

    SUBCASE("not in-band")
    {
        inject(h, VM_PKT_COMP, pipe_payload(1, 4, 8));
    }
    SUBCASE("pkt_type 2")
    {
        inject(h, VM_PKT_DATA_INBAND, pipe_payload(2, 4, 8));
    }
    SUBCASE("data_size past the packet")
    {
        inject(h, VM_PKT_DATA_INBAND, pipe_payload(1, 9, 8));
    }
    SUBCASE("data_size above 16 KiB")
    {
        inject(h, VM_PKT_DATA_INBAND, pipe_payload(1, 16392, 16392));
    }
    SUBCASE("no pipe header")
    {
        inject(h, VM_PKT_DATA_INBAND, std::vector<std::byte>(4));
    }
    SUBCASE("data after FIN")
    {
        h.guest.shutdown_write();
        REQUIRE(h.pump());
        CHECK(h.peer_fins == 1);
        inject(h, VM_PKT_DATA_INBAND, pipe_payload(1, 8, 8));
    }
    REQUIRE(h.closes.size() == 1);
    CHECK(h.closes[0] == Reason::ProtocolError);
    CHECK(h.received.size() == 40);
    CHECK(h.connection.state() == State::Closed);
    // Whatever the guest does next reaches no one.
    inject(h, VM_PKT_DATA_INBAND, pipe_payload(1, 8, 8));
    CHECK(h.received.size() == 40);
    CHECK(h.closes.size() == 1);
}

TEST_CASE("a corrupt ring index resets the connection")
{
    Harness h;
    REQUIRE(h.open());
    SUBCASE("the guest's write index")
    {
        h.to_host->store(RingControl::WriteIndex, 12345);
        h.service();
    }
    SUBCASE("the guest's read index, seen when the host writes")
    {
        h.to_guest->store(RingControl::ReadIndex, 4);
        h.outbound = pattern(100);
        h.push();
    }
    REQUIRE(h.closes.size() == 1);
    CHECK(h.closes[0] == Reason::ProtocolError);
}

TEST_CASE("a guest ring of two pages still carries the stream, in smaller packets")
{
    Harness h(8192);
    REQUIRE(h.open());
    h.outbound = pattern(100000);
    h.push();
    h.guest.write(pattern(100000, 9));
    REQUIRE(h.pump());
    CHECK(h.guest.errors.empty());
    CHECK(h.guest.received == h.outbound);
    CHECK(h.received == pattern(100000, 9));
    CHECK(h.closes.empty());
}

TEST_CASE("a ring too small for any packet resets the connection")
{
    Harness h(512);
    REQUIRE(h.open());
    h.outbound = pattern(5000);
    h.push();
    REQUIRE(h.closes.size() == 1);
    CHECK(h.closes[0] == Reason::ProtocolError);
}
