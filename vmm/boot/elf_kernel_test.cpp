// SPDX-License-Identifier: Apache-2.0
#include "vmm/boot/kernel_loader.h"
#include "vmm/boot/test_kernel_images.h"

#include <doctest/doctest.h>

#include <limits>

using namespace vmm;

// Header fields are packed; doctest binds operands by reference, so tests compare a copy (+x).
using vmm::test::build_elf;
using vmm::test::FakeElf;
using vmm::test::FakeSegment;
using vmm::test::pattern_byte;

namespace {

constexpr uint64_t mib = 1ull << 20;
constexpr uint64_t u64_max = std::numeric_limits<uint64_t>::max();

std::byte byte_at(const GuestMemory& memory, uint64_t address)
{
    return memory.read_obj<std::byte>(GuestAddress(address)).value();
}

BootErrc error_loading(const FakeElf& spec)
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto result = load_elf_kernel(memory, build_elf(spec));
    REQUIRE_FALSE(result.has_value());
    return result.error().code;
}

FakeElf one_segment(FakeSegment segment)
{
    return FakeElf { .segments = { segment } };
}

} // namespace

TEST_CASE("ELF loader puts segments at p_paddr and zeroes the p_memsz tail")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    REQUIRE(memory.fill(GuestAddress(0x1000000), 0x4000, std::byte { 0xaa }));
    FakeElf spec { .entry = 0x1000010,
        .segments = { { .paddr = 0x1400000, .filesz = 0x200, .memsz = 0x200 },
            { .paddr = 0x1000000, .filesz = 0x1000, .memsz = 0x3000 } } };
    auto kernel = load_elf_kernel(memory, build_elf(spec)).value();
    CHECK(kernel.format == KernelFormat::Elf);
    CHECK(kernel.entry == GuestAddress(0x1000010));
    CHECK(kernel.start == GuestAddress(0x1000000));
    CHECK(kernel.end == GuestAddress(0x1400200));
    CHECK(byte_at(memory, 0x1000fff) == pattern_byte(0xfff));
    CHECK(byte_at(memory, 0x1001000) == std::byte { 0 });
    CHECK(byte_at(memory, 0x1002fff) == std::byte { 0 });
    CHECK(byte_at(memory, 0x1003000) == std::byte { 0xaa });
    CHECK(byte_at(memory, 0x14001ff) == pattern_byte(0x1ff));
}

TEST_CASE("ELF loader synthesizes the setup header a bzImage would carry")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto kernel = load_elf_kernel(memory, build_elf({})).value();
    CHECK(+kernel.header.boot_flag == 0xaa55);
    CHECK(+kernel.header.header == 0x53726448);
    CHECK(+kernel.header.version == 0x020f);
    CHECK(+kernel.header.type_of_loader == 0xff);
    CHECK(+kernel.header.loadflags == LOADED_HIGH);
    CHECK(kernel.cmdline_limit == 2047);
    CHECK(kernel.initrd_addr_max == 0x7fffffff);
}

TEST_CASE("ELF loader rejects 32-bit and non-x86 files")
{
    CHECK(error_loading({ .elf_class = ELFCLASS32 }) == BootErrc::ElfNotX86_64);
    CHECK(error_loading({ .machine = EM_AARCH64 }) == BootErrc::ElfNotX86_64);
}

TEST_CASE("ELF loader rejects a shared object")
{
    CHECK(error_loading({ .type = ET_DYN }) == BootErrc::ElfNotExecutable);
}

TEST_CASE("ELF loader rejects a segment over partvm's boot data below 1 MiB")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto result = load_elf_kernel(memory, build_elf(one_segment({ .paddr = 0x7000 })));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == BootErrc::ElfSegmentInLowMemory);
    CHECK(
        result.error().message() == "ELF segment at 0x7000 overlaps the boot data below 0x100000");
}

TEST_CASE("ELF loader rejects a segment past the end of guest RAM")
{
    CHECK(error_loading(one_segment({ .paddr = 64 * mib - 0x800 })) == BootErrc::KernelTooLarge);
}

TEST_CASE("ELF loader rejects a segment whose bytes lie outside the file")
{
    CHECK(error_loading(one_segment({ .filesz = 0x10, .memsz = 0x10, .raw_offset = 0x10000 }))
        == BootErrc::ElfSegmentOutsideFile);
}

TEST_CASE("ELF loader rejects a huge p_filesz without overflowing")
{
    CHECK(error_loading(
              one_segment({ .filesz = 1ull << 63, .memsz = 1ull << 63, .raw_offset = 0x78 }))
        == BootErrc::ElfSegmentOutsideFile);
}

TEST_CASE("ELF loader rejects a p_offset near 2^64 without overflowing")
{
    CHECK(error_loading(one_segment({ .filesz = 0x10, .memsz = 0x10, .raw_offset = u64_max - 8 }))
        == BootErrc::ElfSegmentOutsideFile);
}

TEST_CASE("ELF loader rejects a p_paddr near 2^64 and reports a saturated end")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto image = build_elf(one_segment({ .paddr = u64_max - 0xfff, .filesz = 0, .memsz = 0x2000 }));
    auto result = load_elf_kernel(memory, image);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == BootErrc::KernelTooLarge);
    CHECK(result.error().value == u64_max);
}

TEST_CASE("ELF loader rejects p_filesz larger than p_memsz")
{
    CHECK(error_loading(one_segment({ .filesz = 0x1000, .memsz = 0x800 }))
        == BootErrc::ElfSegmentBadSize);
}

TEST_CASE("ELF loader rejects overlapping segments")
{
    FakeElf spec { .segments = { { .paddr = 0x1000000, .memsz = 0x2000 },
                       { .paddr = 0x1001000, .filesz = 0x100, .memsz = 0x100 } } };
    CHECK(error_loading(spec) == BootErrc::ElfSegmentsOverlap);
}

TEST_CASE("ELF loader rejects an entry point outside every loaded segment")
{
    CHECK(error_loading({ .entry = 0x2000000 }) == BootErrc::ElfEntryOutsideImage);
}

TEST_CASE("ELF loader rejects a program header table that runs past the file")
{
    // One header in a 120-byte file (no segment bytes appended) that claims two.
    FakeElf spec { .segments = { { .filesz = 0, .raw_offset = 0 } }, .phnum_override = 2 };
    CHECK(error_loading(spec) == BootErrc::ElfBadProgramHeaders);
}

TEST_CASE("ELF loader rejects zero or too many program headers")
{
    CHECK(error_loading({ .phnum_override = 0 }) == BootErrc::ElfBadProgramHeaders);
    CHECK(error_loading({ .phnum_override = 65 }) == BootErrc::ElfBadProgramHeaders);
}

TEST_CASE("ELF loader rejects a file without a loadable segment")
{
    CHECK(error_loading(one_segment({ .type = PT_NOTE })) == BootErrc::ElfNoLoadableSegment);
}
