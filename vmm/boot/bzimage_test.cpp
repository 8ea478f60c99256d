// SPDX-License-Identifier: Apache-2.0
#include "vmm/boot/kernel_loader.h"
#include "vmm/boot/test_kernel_images.h"

#include <doctest/doctest.h>

#include <limits>

using namespace vmm;

// Header fields are packed; doctest binds operands by reference, so tests compare a copy (+x).
using vmm::test::build_bzimage;
using vmm::test::FakeBzImage;
using vmm::test::pattern_byte;

namespace {

constexpr uint64_t mib = 1ull << 20;

std::byte byte_at(const GuestMemory& memory, uint64_t address)
{
    return memory.read_obj<std::byte>(GuestAddress(address)).value();
}

BootErrc error_loading(const FakeBzImage& spec, uint64_t memory_size = 64 * mib)
{
    auto memory = GuestMemory::allocate_for_test(memory_size);
    auto result = load_bzimage(memory, build_bzimage(spec));
    REQUIRE_FALSE(result.has_value());
    return result.error().code;
}

} // namespace

TEST_CASE("bzImage loader copies the protected-mode part to 1 MiB and enters at 1 MiB + 0x200")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto kernel = load_bzimage(memory, build_bzimage({})).value();
    CHECK(kernel.format == KernelFormat::BzImage);
    CHECK(kernel.start == GuestAddress(0x100000));
    CHECK(kernel.entry == GuestAddress(0x100200));
    CHECK(byte_at(memory, 0x100000) == pattern_byte(0));
    CHECK(byte_at(memory, 0x100000 + 4095) == pattern_byte(4095));
    CHECK(byte_at(memory, 0x100000 + 4096) == std::byte { 0 });
    CHECK(+kernel.header.version == 0x020f);
    CHECK(+kernel.header.type_of_loader == LOADER_TYPE_UNDEFINED);
    CHECK(kernel.cmdline_limit == 2047);
    CHECK(kernel.initrd_addr_max == 0x7fffffff);
}

TEST_CASE("bzImage end covers the init_size area at pref_address where it decompresses")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto kernel = load_bzimage(memory, build_bzimage({ .init_size = 0x2000000 })).value();
    CHECK(kernel.end == GuestAddress(0x1000000 + 0x2000000));
}

TEST_CASE("a relocatable bzImage without pref_address decompresses at its aligned load address")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    FakeBzImage spec { .kernel_alignment = 0x200000, .pref_address = 0, .init_size = 0x300000 };
    auto kernel = load_bzimage(memory, build_bzimage(spec)).value();
    CHECK(kernel.end == GuestAddress(0x200000 + 0x300000));
}

TEST_CASE("bzImage with setup_sects 0 has four setup sectors")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto image = build_bzimage({ .setup_sects = 0 });
    REQUIRE(image.size() == 5 * 512 + 4096);
    REQUIRE(load_bzimage(memory, image).has_value());
    CHECK(byte_at(memory, 0x100000 + 17) == pattern_byte(17));
}

TEST_CASE("bzImage loader rejects boot protocol 2.11 with the version in the message")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto result = load_bzimage(memory, build_bzimage({ .version = 0x020b }));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == BootErrc::ProtocolTooOld);
    CHECK(result.error().message()
        == "bzImage boot protocol too old (version 2.11; need 2.12+ for 64-bit entry)");
}

TEST_CASE("bzImage loader rejects a kernel without the 64-bit entry point")
{
    CHECK(error_loading({ .xloadflags = 0 }) == BootErrc::Not64Bit);
}

TEST_CASE("bzImage loader rejects a zImage")
{
    CHECK(error_loading({ .loadflags = 0 }) == BootErrc::BadSetupHeader);
}

TEST_CASE("bzImage loader keeps only the header bytes the jump instruction declares")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    // 0x202 + 0x66 = 0x268: the header ends before kernel_info_offset (protocol 2.12-2.14).
    auto kernel = load_bzimage(memory, build_bzimage({ .jump_offset = 0x66 })).value();
    CHECK(+kernel.header.kernel_info_offset == 0);
    CHECK(+kernel.header.init_size == 0x100000);
}

TEST_CASE("bzImage loader rejects a header too short for protocol 2.12 or a backward jump")
{
    CHECK(error_loading({ .jump_offset = 0x10 }) == BootErrc::BadSetupHeader);
    CHECK(error_loading({ .jump_offset = -2 }) == BootErrc::BadSetupHeader);
}

TEST_CASE("bzImage loader clears the loader-owned fields an image carries")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto kernel = load_bzimage(memory, build_bzimage({ .setup_data = 0xdead0000 })).value();
    CHECK(+kernel.header.setup_data == 0);
    CHECK(+kernel.header.ramdisk_image == 0);
    CHECK(+kernel.header.loadflags == LOADED_HIGH);
}

TEST_CASE("bzImage loader says the kernel does not fit when init_size passes the end of RAM")
{
    auto memory = GuestMemory::allocate_for_test(16 * mib);
    auto result = load_bzimage(memory, build_bzimage({}));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == BootErrc::KernelTooLarge);
    CHECK(result.error().message()
        == "kernel does not fit in guest memory (it needs memory up to 0x1100000; guest RAM "
           "below 3 GiB ends at 0x1000000)");
}

TEST_CASE("bzImage loader rejects a kernel_alignment that is not a power of two")
{
    CHECK(error_loading({ .kernel_alignment = 0x300000 }) == BootErrc::BadSetupHeader);
    CHECK(error_loading({ .kernel_alignment = 0 }) == BootErrc::BadSetupHeader);
}

TEST_CASE("bzImage loader rejects a kernel that would decompress below 1 MiB")
{
    CHECK(error_loading({ .relocatable_kernel = 0, .pref_address = 0x10000 })
        == BootErrc::BadSetupHeader);
}

TEST_CASE("bzImage pref_address near 2^64 is reported, not wrapped")
{
    CHECK(error_loading({ .pref_address = std::numeric_limits<uint64_t>::max() - 0x10 })
        == BootErrc::KernelTooLarge);
}

TEST_CASE("bzImage command line limit is cmdline_size capped at partvm's buffer")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto kernel = load_bzimage(memory, build_bzimage({ .cmdline_size = 0xffffffff })).value();
    CHECK(kernel.cmdline_limit == 0xffff);
}

TEST_CASE("bzImage with nothing after the setup sectors is truncated")
{
    CHECK(error_loading({ .payload_size = 0 }) == BootErrc::Truncated);
}
