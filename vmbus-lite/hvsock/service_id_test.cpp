// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/hvsock/service_id.h"

#include <doctest/doctest.h>

using namespace vmbus;
using namespace vmbus::hvsock;

TEST_CASE("service ids: port in Data1 of the facb-11e6 template, and back")
{
    CHECK(to_string(service_id(0)) == "00000000-facb-11e6-bd58-64006a7986d3");
    CHECK(to_string(service_id(1234)) == "000004d2-facb-11e6-bd58-64006a7986d3");
    CHECK(service_id(0x12345678) == make_guid("12345678-facb-11e6-bd58-64006a7986d3"));
    for (uint32_t port : { 0u, 1u, 52u, 1024u, 0x7fffffffu, 0xffffffffu }) {
        CHECK(port_of(service_id(port)) == port);
    }
}

TEST_CASE("service ids: anything off the template is not a vsock port")
{
    CHECK_FALSE(port_of(make_guid("000004d2-facb-11e6-bd58-64006a7986d4")));
    CHECK_FALSE(port_of(make_guid("000004d2-facc-11e6-bd58-64006a7986d3")));
    CHECK_FALSE(port_of(Guid {}));
}

TEST_CASE("host endpoint ids: Data1 is the port, and serials make them unique")
{
    const Guid a = host_endpoint_id(0x40000001, 1);
    const Guid b = host_endpoint_id(0x40000001, 2);
    CHECK(a != b);
    CHECK(a[0] == 0x01);
    CHECK(a[3] == 0x40);
    CHECK(host_endpoint_id(7, 1) != host_endpoint_id(8, 1));
}
