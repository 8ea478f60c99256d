// SPDX-License-Identifier: Apache-2.0
// ShutdownDevice against a model of Linux 6.1's hv_utils on real ring code in plain memory.
#include "vmbus-lite/ic/shutdown_device.h"

#include "base/bytes.h"
#include "vmbus-lite/ic/ic_test_support.h"

#include <doctest/doctest.h>

using namespace vmbus;
using namespace vmbus::ic;
using testing::Harness;
using testing::LinuxIcGuest;

namespace {

const std::vector<Version> linux_shutdown_versions { { 3, 2 }, { 3, 1 }, { 3, 0 }, { 1, 0 } };

struct Fixture {
    Harness h { LinuxIcGuest::Service::Shutdown, linux_shutdown_versions };
    ShutdownDevice device;

    void open() { REQUIRE(device.opened(h.ring, {})); }
    void pump() { h.pump(device); }
    /// The trans_id of the last packet the host sent the guest.
    uint64_t last_trans_id() const { return h.guest.received.back().descriptor.trans_id; }
    /// Writes an arbitrary packet into the host-bound ring, as a guest could.
    void inject(
        std::span<const std::byte> payload, uint64_t trans_id, uint16_t type = VM_PKT_DATA_INBAND)
    {
        REQUIRE(
            h.ring.guest_out
                .write({ .type = type, .offset8 = 0, .len8 = 0, .flags = 0, .trans_id = trans_id },
                    payload)
                .has_value());
    }
};

std::vector<std::byte> response(std::vector<std::byte> message)
{
    vmm::store_le<uint8_t>(message, 25, flag_transaction | flag_response);
    return message;
}

} // namespace

TEST_CASE("the offer names the shutdown class and a fixed instance")
{
    ShutdownDevice device;
    const auto offer = device.offer();
    CHECK(offer.interface_type == make_guid("0e0b6031-5213-4934-818b-38d90ced39db"));
    CHECK(offer.interface_instance == ShutdownDevice::instance_id);
    CHECK(offer.channel_flags == 0);
}

TEST_CASE("negotiation settles on framework 3.0 and shutdown 3.2, as Linux 6.1 picks")
{
    Fixture f;
    f.open();
    CHECK_FALSE(f.device.ready());
    f.pump();
    CHECK(f.device.ready());
    REQUIRE(f.h.guest.negotiated.has_value());
    CHECK(*f.h.guest.negotiated == Negotiated { { 3, 0 }, { 3, 2 } });
}

TEST_CASE("a guest sharing no version leaves the device unable to ask: request says false")
{
    SUBCASE("no common message version")
    {
        Harness h { LinuxIcGuest::Service::Shutdown, { { 9, 9 } } };
        ShutdownDevice device;
        REQUIRE(device.opened(h.ring, {}));
        h.pump(device);
        CHECK_FALSE(device.ready());
        CHECK_FALSE(device.request_shutdown());
        CHECK(h.guest.poweroffs == 0);
    }
    SUBCASE("no common framework version")
    {
        Harness h { LinuxIcGuest::Service::Shutdown, linux_shutdown_versions, { { 2, 0 } } };
        ShutdownDevice device;
        REQUIRE(device.opened(h.ring, {}));
        h.pump(device);
        CHECK_FALSE(device.ready());
        CHECK_FALSE(device.request_shutdown());
    }
}

TEST_CASE("a shutdown requested during negotiation goes out once it finishes")
{
    Fixture f;
    f.open();
    CHECK(f.device.request_shutdown());
    // Only NEGOTIATE is in the guest's ring: Linux reads one packet per interrupt.
    CHECK(f.h.guest.received.empty());
    f.pump();
    CHECK(f.h.guest.poweroffs == 1);
    CHECK(f.h.guest.shutdown_flags == 0u);
    REQUIRE(f.device.shutdown_status().has_value());
    CHECK(*f.device.shutdown_status() == status_ok);
    CHECK(f.h.ring.guest_ring_empty());
}

TEST_CASE("a shutdown requested after negotiation goes out at once")
{
    Fixture f;
    f.open();
    f.pump();
    REQUIRE(f.device.ready());
    CHECK(f.device.request_shutdown());
    CHECK_FALSE(f.device.shutdown_status().has_value());
    f.pump();
    CHECK(f.h.guest.poweroffs == 1);
    CHECK(f.device.shutdown_status() == status_ok);
}

TEST_CASE("a second request while one is in flight sends nothing more")
{
    Fixture f;
    f.open();
    f.pump();
    CHECK(f.device.request_shutdown());
    CHECK(f.device.request_shutdown());
    f.pump();
    CHECK(f.h.guest.poweroffs == 1);
    CHECK(f.h.guest.received.size() == 2); // NEGOTIATE, SHUTDOWN
}

TEST_CASE("with no open channel a request says false, so the caller stops the VM itself")
{
    Fixture f;
    CHECK_FALSE(f.device.request_shutdown());
    f.open();
    f.pump();
    f.device.closed(f.h.ring);
    CHECK_FALSE(f.device.ready());
    CHECK_FALSE(f.device.request_shutdown());
}

TEST_CASE("reopening the channel negotiates again")
{
    Fixture f;
    f.open();
    f.pump();
    f.device.closed(f.h.ring);
    Harness second { LinuxIcGuest::Service::Shutdown, linux_shutdown_versions };
    REQUIRE(f.device.opened(second.ring, {}));
    CHECK(f.device.request_shutdown());
    second.pump(f.device);
    CHECK(second.guest.poweroffs == 1);
}

TEST_CASE("every host packet fits the guest's one-page limit; SHUTDOWN is full size")
{
    Fixture f;
    f.open();
    f.device.request_shutdown();
    f.pump();
    REQUIRE(f.h.guest.received.size() == 2);
    CHECK(f.h.guest.largest_packet <= max_guest_packet_size);
    const auto& shutdown = f.h.guest.received[1];
    CHECK(shutdown.bytes.size() == 16 + 28 + 2060);
    CHECK(shutdown.payload().size() >= header_size + sizeof(ShutdownBody));
    CHECK(shutdown.descriptor.flags == 0);
    CHECK(shutdown.descriptor.type == VM_PKT_DATA_INBAND);
}

TEST_CASE("malformed, short, stray and oversized guest packets are ignored")
{
    Fixture f;
    f.open();
    f.pump();
    REQUIRE(f.device.request_shutdown());
    // The guest takes SHUTDOWN but, hostile, writes junk instead of answering.
    auto shutdown = f.h.ring.guest_in.read();
    REQUIRE(shutdown.has_value());
    f.h.ring.guest_in.commit_read();
    const uint64_t shutdown_id = shutdown->descriptor.trans_id;
    auto good = response(build_shutdown({ { 3, 0 }, { 3, 2 } }, 0, {}));

    f.inject(std::span(good).first(4), shutdown_id); // too short for the headers
    // Payloads are padded to 8 bytes in the ring, so 20 is the longest that stays short of 28.
    f.inject(std::span(good).first(20), shutdown_id);
    f.inject(good, shutdown_id, VM_PKT_COMP); // not in-band
    f.inject(good, shutdown_id + 1); // unknown transaction
    f.inject(build_shutdown({ { 3, 0 }, { 3, 2 } }, 0, {}), shutdown_id); // a request
    auto negotiate = response(build_negotiate(framework_versions, {}, 0));
    f.inject(negotiate, shutdown_id); // the wrong type for this transaction
    f.device.on_packets(f.h.ring);
    std::vector<std::byte> huge(8000, std::byte { 0xff });
    f.inject(huge, shutdown_id); // oversized garbage
    f.device.on_packets(f.h.ring);
    CHECK_FALSE(f.device.shutdown_status().has_value());
    CHECK(f.device.ready());

    // The real answer still lands.
    f.inject(std::span(good).first(header_size), shutdown_id);
    f.device.on_packets(f.h.ring);
    CHECK(f.device.shutdown_status() == status_ok);
    // And a duplicate of it is a stray now.
    f.inject(good, shutdown_id);
    f.device.on_packets(f.h.ring);
    CHECK(f.device.ready());
}

TEST_CASE("a malformed answer to NEGOTIATE is ignored; a well-formed one still counts")
{
    Fixture f;
    f.open();
    // Take NEGOTIATE out of the ring by hand and answer it badly first.
    auto negotiate = f.h.ring.guest_in.read();
    REQUIRE(negotiate.has_value());
    f.h.ring.guest_in.commit_read();
    const uint64_t id = negotiate->descriptor.trans_id;
    auto reply = response(
        std::vector<std::byte>(negotiate->payload().begin(), negotiate->payload().end()));
    auto bad_counts = reply;
    vmm::store_le<uint16_t>(bad_counts, 28, 7); // 7/4 versions "chosen"
    f.inject(bad_counts, id);
    f.inject(std::span(reply).first(30), id); // no room for the counts
    f.device.on_packets(f.h.ring);
    CHECK_FALSE(f.device.ready());

    auto chosen = reply;
    vmm::store_le<uint16_t>(chosen, 28, 1);
    vmm::store_le<uint16_t>(chosen, 30, 1);
    vmm::store_le<Version>(chosen, 36, { 3, 0 });
    vmm::store_le<Version>(chosen, 40, { 3, 1 });
    f.inject(chosen, id);
    f.device.on_packets(f.h.ring);
    CHECK(f.device.ready());
}

TEST_CASE("a guest choosing versions we never offered is treated as sharing none")
{
    Fixture f;
    f.open();
    auto negotiate = f.h.ring.guest_in.read();
    REQUIRE(negotiate.has_value());
    auto reply = response(
        std::vector<std::byte>(negotiate->payload().begin(), negotiate->payload().end()));
    vmm::store_le<uint16_t>(reply, 28, 1);
    vmm::store_le<uint16_t>(reply, 30, 1);
    vmm::store_le<Version>(reply, 36, { 3, 0 });
    vmm::store_le<Version>(reply, 40, { 4, 0 });
    f.inject(reply, negotiate->descriptor.trans_id);
    f.device.on_packets(f.h.ring);
    CHECK_FALSE(f.device.ready());
    CHECK_FALSE(f.device.request_shutdown());
}

TEST_CASE("a corrupted ring breaks the channel: request says false")
{
    Fixture f;
    f.open();
    f.pump();
    f.h.ring.to_host.store(RingControl::WriteIndex, 13); // not 8-byte aligned
    f.device.on_packets(f.h.ring);
    CHECK_FALSE(f.device.request_shutdown());
}

TEST_CASE("a SHUTDOWN that finds the ring full waits for space, then goes out")
{
    Fixture f;
    f.open();
    f.pump();
    // Something the guest has not read yet fills most of its ring.
    std::vector<std::byte> filler(3 * 4096 - 16 - 8 - 2000);
    REQUIRE(
        f.h.ring.host_out
            .write(
                { .type = VM_PKT_DATA_INBAND, .offset8 = 0, .len8 = 0, .flags = 0, .trans_id = 0 },
                filler)
            .has_value());
    CHECK(f.device.request_shutdown());
    CHECK(f.h.ring.to_guest.load(RingControl::PendingSendSize) != 0);
    // The guest reads the filler; its ring code would then signal the host.
    REQUIRE(f.h.ring.guest_in.read().has_value());
    f.h.ring.guest_in.commit_read();
    f.device.on_ring_space(f.h.ring);
    f.pump();
    CHECK(f.h.guest.poweroffs == 1);
    CHECK(f.device.shutdown_status() == status_ok);
}

TEST_CASE("a guest ring too small for SHUTDOWN: request says false and nothing is retried")
{
    Harness h { LinuxIcGuest::Service::Shutdown, linux_shutdown_versions, { { 3, 0 }, { 1, 0 } },
        1024 };
    ShutdownDevice device;
    REQUIRE(device.opened(h.ring, {}));
    h.pump(device);
    REQUIRE(device.ready());
    CHECK_FALSE(device.request_shutdown());
    device.on_ring_space(h.ring);
    h.pump(device);
    CHECK(h.guest.received.size() == 1); // NEGOTIATE only
    CHECK_FALSE(device.request_shutdown());
}
