// SPDX-License-Identifier: Apache-2.0
#include "vmm/boot/zero_page.h"

#include "base/bytes.h"
#include "vmm/boot/test_kernel_images.h"
#include "vmm/layout/layout.h"

#include <doctest/doctest.h>

#include <array>

using namespace vmm;

// Header fields are packed; doctest binds operands by reference, so tests compare a copy (+x).

namespace {

constexpr uint64_t mib = 1ull << 20;

/// The zero page as raw bytes, so the tests check wire offsets independently of BootParams.
std::array<std::byte, 4096> read_zero_page(const GuestMemory& memory)
{
    return memory.read_obj<std::array<std::byte, 4096>>(GuestAddress(layout::boot_params_start))
        .value();
}

template<class T> T field(const std::array<std::byte, 4096>& page, size_t offset)
{
    return load_le<T>(page, offset);
}

} // namespace

TEST_CASE("zero page carries the setup header and loader fields at the protocol's offsets")
{
    auto memory = GuestMemory::allocate_for_test(256 * mib);
    const auto kernel = load_bzimage(memory, test::build_bzimage({})).value();
    const CmdlinePlacement cmdline { GuestAddress(layout::cmdline_start), 12 };
    const InitrdPlacement initrd { GuestAddress(0xfe00000), 0x123456 };
    REQUIRE(write_boot_params(memory, { kernel, cmdline, initrd, GuestAddress(0xe0000) }));

    const auto page = read_zero_page(memory);
    CHECK(field<uint64_t>(page, 0x070) == 0xe0000); // acpi_rsdp_addr
    CHECK(field<uint16_t>(page, 0x1fe) == 0xaa55); // boot_flag
    CHECK(field<uint32_t>(page, 0x202) == 0x53726448); // "HdrS"
    CHECK(field<uint16_t>(page, 0x206) == 0x020f); // version
    CHECK(field<uint8_t>(page, 0x210) == 0xff); // type_of_loader
    CHECK(field<uint8_t>(page, 0x211) == LOADED_HIGH); // loadflags
    CHECK(field<uint32_t>(page, 0x218) == 0xfe00000); // ramdisk_image
    CHECK(field<uint32_t>(page, 0x21c) == 0x123456); // ramdisk_size
    CHECK(field<uint32_t>(page, 0x228) == 0x20000); // cmd_line_ptr
    CHECK(field<uint32_t>(page, 0x238) == 2047); // cmdline_size, from the kernel
    CHECK(field<uint32_t>(page, 0x0c0) == 0); // ext_ramdisk_image
    CHECK(field<uint32_t>(page, 0x0c8) == 0); // ext_cmd_line_ptr
    CHECK(field<uint8_t>(page, 0x1ef) == 0); // sentinel stays clear
}

TEST_CASE("zero page e820 table starts at 0x2d0 with 20-byte entries")
{
    auto memory = GuestMemory::allocate_for_test(256 * mib);
    const auto kernel = load_elf_kernel(memory, test::build_elf({})).value();
    REQUIRE(write_boot_params(memory, { kernel, { GuestAddress(layout::cmdline_start), 1 } }));

    const auto page = read_zero_page(memory);
    CHECK(field<uint8_t>(page, 0x1e8) == 3); // e820_entries
    CHECK(field<uint64_t>(page, 0x2d0) == 0); // [0].addr
    CHECK(field<uint64_t>(page, 0x2d8) == 0x9fc00); // [0].size
    CHECK(field<uint32_t>(page, 0x2e0) == E820_TYPE_RAM);
    CHECK(field<uint64_t>(page, 0x2e4) == 0x9fc00); // [1].addr
    CHECK(field<uint32_t>(page, 0x2f4) == E820_TYPE_RESERVED);
    CHECK(field<uint64_t>(page, 0x2f8) == 0x100000); // [2].addr
    CHECK(field<uint64_t>(page, 0x300) == 255 * mib); // [2].size
    CHECK(field<uint64_t>(page, 0x30c) == 0); // [3] unused
    CHECK(field<uint16_t>(page, 0x206) == 0x020f); // synthesized header for ELF
    CHECK(field<uint32_t>(page, 0x218) == 0); // no initrd
    CHECK(field<uint64_t>(page, 0x070) == 0); // no RSDP hint
}

TEST_CASE("zero page splits addresses above 4 GiB into the ext_ fields")
{
    LoadedKernel kernel;
    const BootParamsInput input { kernel, { GuestAddress(0x1'2345'6000), 10 },
        { GuestAddress(0x2'0000'1000), 0x3'0000'0002 } };
    const auto params = make_boot_params(input, {}).value();
    CHECK(+params.hdr.cmd_line_ptr == 0x2345'6000);
    CHECK(+params.ext_cmd_line_ptr == 1);
    CHECK(+params.hdr.ramdisk_image == 0x1000);
    CHECK(+params.ext_ramdisk_image == 2);
    CHECK(+params.hdr.ramdisk_size == 2);
    CHECK(+params.ext_ramdisk_size == 3);
}

TEST_CASE("zero page refuses more than 128 e820 entries")
{
    LoadedKernel kernel;
    const std::vector<E820Entry> e820(129, E820Entry { 0, 4096, E820_TYPE_RAM });
    const auto result = make_boot_params({ kernel, {} }, e820);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == BootErrc::TooManyE820Entries);
}
