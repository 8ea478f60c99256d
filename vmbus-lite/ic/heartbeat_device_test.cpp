// SPDX-License-Identifier: Apache-2.0
// HeartbeatDevice against the model of Linux 6.1's heartbeat callback.
#include "vmbus-lite/ic/heartbeat_device.h"

#include "vmbus-lite/ic/ic_test_support.h"

#include <doctest/doctest.h>

using namespace vmbus;
using namespace vmbus::ic;
using testing::Harness;
using testing::LinuxIcGuest;

TEST_CASE("heartbeat: negotiates 3.0 and counts answers carrying seq_num + 1")
{
    Harness h { LinuxIcGuest::Service::Heartbeat, { { 3, 0 }, { 1, 0 } } };
    HeartbeatDevice device;
    CHECK(device.offer().interface_type == make_guid("57164f39-9115-4e78-ab55-382f3bd5422d"));
    CHECK_FALSE(device.probe()); // not open
    REQUIRE(device.opened(h.ring, {}));
    CHECK_FALSE(device.probe()); // not negotiated yet
    h.pump(device);
    REQUIRE(device.ready());
    CHECK(*h.guest.negotiated == Negotiated { { 3, 0 }, { 3, 0 } });

    CHECK(device.probe());
    CHECK_FALSE(device.probe()); // the first is unanswered
    h.pump(device);
    CHECK(device.answered() == 1);
    CHECK(device.probe());
    h.pump(device);
    CHECK(device.answered() == 2);
    CHECK(h.guest.largest_packet <= max_guest_packet_size);

    device.closed(h.ring);
    CHECK_FALSE(device.probe());
}
