// SPDX-License-Identifier: Apache-2.0
// Byte-exact checks of the AML encoder against the encodings in ACPI 6.5 §20.2 (and what iasl
// emits for the same ASL).
#include "vmm/acpi/aml.h"
#include "vmm/acpi/test_util.h"

#include <doctest/doctest.h>

using namespace vmm::acpi;
using vmm::acpi::test::hex;

TEST_CASE("pkg_length fits a total of 63 bytes in one byte")
{
    CHECK(hex(aml::pkg_length(62)) == "3f");
}

TEST_CASE("pkg_length needs two bytes once the total reaches 64")
{
    // 63 body bytes + 1 would be 64, too big for one byte; with two bytes the total is 65.
    CHECK(hex(aml::pkg_length(63)) == "41 04");
}

TEST_CASE("pkg_length fits a total of 4095 bytes in two bytes")
{
    CHECK(hex(aml::pkg_length(4093)) == "4f ff");
}

TEST_CASE("pkg_length needs three bytes once the total reaches 4096")
{
    // 4094 body bytes + 2 would be 4096; with three bytes the total is 4097 = 0x1001.
    CHECK(hex(aml::pkg_length(4094)) == "81 00 01");
}

TEST_CASE("pkg_length needs four bytes past a total of 1 MiB - 1")
{
    CHECK(hex(aml::pkg_length(0xffffc)) == "8f ff ff");
    CHECK(hex(aml::pkg_length(0xffffd)) == "c1 00 00 01");
}

TEST_CASE("name_string pads a short segment with underscores")
{
    CHECK(hex(aml::name_string("_S5")) == "5f 53 35 5f");
}

TEST_CASE("name_string encodes a rooted two-segment path with DualNamePrefix")
{
    CHECK(hex(aml::name_string("\\_SB.VMBS")) == "5c 2e 5f 53 42 5f 56 4d 42 53");
}

TEST_CASE("name_string encodes three or more segments with MultiNamePrefix and a count")
{
    CHECK(
        hex(aml::name_string("\\_SB.PCI0.S08")) == "5c 2f 03 5f 53 42 5f 50 43 49 30 53 30 38 5f");
}

TEST_CASE("name_string encodes the bare root as RootChar and NullName")
{
    CHECK(hex(aml::name_string("\\")) == "5c 00");
}

TEST_CASE("integer uses the shortest encoding")
{
    CHECK(hex(aml::integer(0)) == "00");
    CHECK(hex(aml::integer(1)) == "01");
    CHECK(hex(aml::integer(5)) == "0a 05");
    CHECK(hex(aml::integer(0x100)) == "0b 00 01");
    CHECK(hex(aml::integer(0x10000)) == "0c 00 00 01 00");
    CHECK(hex(aml::integer(0x100000000)) == "0e 00 00 00 00 01 00 00 00");
}

TEST_CASE("string is NUL-terminated after StringPrefix")
{
    CHECK(hex(aml::string("VMBus")) == "0d 56 4d 42 75 73 00");
}

TEST_CASE("eisa_id compresses PNP0501 the way ASL EisaId() does")
{
    CHECK(hex(aml::eisa_id("PNP0501")) == "0c 41 d0 05 01");
}

TEST_CASE("name binds \\_S5 to a four-element package")
{
    auto s5 = aml::name("_S5",
        aml::package({ aml::integer(5), aml::integer(0), aml::integer(0), aml::integer(0) }));
    // NameOp, "_S5_", PackageOp, PkgLength 7, NumElements 4, 0x05, Zero x3.
    CHECK(hex(s5) == "08 5f 53 35 5f 12 07 04 0a 05 00 00 00");
}

TEST_CASE("buffer prefixes its size and takes a two-byte PkgLength past 62 bytes")
{
    auto encoded = aml::buffer(Bytes(100));
    // Body: BytePrefix 100 (2 bytes) + 100 data bytes = 102; total 104 = 0x68.
    CHECK(hex(std::span(encoded).first(5)) == "11 48 06 0a 64");
    CHECK(encoded.size() == 104 + 1);
}

TEST_CASE("scope wraps its terms after the name")
{
    CHECK(hex(aml::scope("\\_SB", {})) == "10 06 5c 5f 53 42 5f");
}

TEST_CASE("device uses the extended opcode and wraps its terms")
{
    auto dev = aml::device("VMBS", { aml::name("_UID", aml::integer(0)) });
    CHECK(hex(dev) == "5b 82 0b 56 4d 42 53 08 5f 55 49 44 00");
}

TEST_CASE("method encodes its flags byte and body")
{
    auto sta = aml::method("_STA", 0, { aml::return_value(aml::integer(0x0f)) });
    CHECK(hex(sta) == "14 09 5f 53 54 41 00 a4 0a 0f");
}

TEST_CASE("resource template holds IO and IRQNoFlags descriptors and a zero-sum End Tag")
{
    auto crs = aml::resource_template({ aml::io_port(0x3f8, 0x3f8, 1, 8), aml::irq_no_flags(4) });
    // Buffer(13): IO(Decode16, 0x3f8, 0x3f8, 1, 8), IRQNoFlags(){4}, End Tag + checksum.
    CHECK(hex(std::span(crs).first(crs.size() - 1))
        == "11 10 0a 0d 47 01 f8 03 f8 03 01 08 22 10 00 79");
    // The descriptors and the End Tag (everything after Buffer's header) sum to zero.
    CHECK(byte_sum(std::span(crs).subspan(4)) == 0);
}

TEST_CASE("empty resource template is just the End Tag")
{
    CHECK(hex(aml::resource_template({})) == "11 05 0a 02 79 87");
}
