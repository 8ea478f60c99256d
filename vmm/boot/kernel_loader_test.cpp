// SPDX-License-Identifier: Apache-2.0
#include "vmm/boot/kernel_loader.h"

#include "tests/support/skip.h"
#include "vmm/boot/test_kernel_images.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

using namespace vmm;
using vmm::test::build_bzimage;
using vmm::test::build_elf;

namespace {

constexpr uint64_t mib = 1ull << 20;

BootErrc error_loading(std::span<const std::byte> image)
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto result = load_kernel(memory, image);
    REQUIRE_FALSE(result.has_value());
    return result.error().code;
}

/// A real kernel for the optional smoke test: $PARTVM_TEST_KERNEL, else the first vmlinuz*,
/// vmlinux* or bzImage under ~/.cache/partvm/test-guest/. Empty when there is none.
std::filesystem::path find_real_kernel()
{
    if (const char* path = std::getenv("PARTVM_TEST_KERNEL")) {
        return path;
    }
    const char* home = std::getenv("HOME");
    std::error_code error;
    const auto root = std::filesystem::path(home ? home : "/") / ".cache/partvm/test-guest";
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root, error)) {
        const auto name = entry.path().filename().string();
        if (entry.is_regular_file() && (name.starts_with("vmlinu") || name == "bzImage")) {
            return entry.path();
        }
    }
    return {};
}

} // namespace

TEST_CASE("kernel loader rejects garbage with a user-facing reason")
{
    const std::vector<std::byte> garbage(4096, std::byte { 0x5a });
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto result = load_kernel(memory, garbage);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().message() == "not a Linux kernel (neither bzImage nor ELF vmlinux)");
}

TEST_CASE("kernel loader rejects an empty file")
{
    CHECK(error_loading({}) == BootErrc::NotAKernel);
}

TEST_CASE("kernel loader reports a bzImage cut inside its setup header as truncated")
{
    auto image = build_bzimage({});
    image.resize(0x210);
    CHECK(error_loading(image) == BootErrc::Truncated);
}

TEST_CASE("kernel loader reports an ELF file cut inside its header as truncated")
{
    auto image = build_elf({});
    image.resize(20);
    CHECK(error_loading(image) == BootErrc::Truncated);
}

TEST_CASE("kernel loader dispatches on the image format")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    CHECK(load_kernel(memory, build_bzimage({})).value().format == KernelFormat::BzImage);
    CHECK(load_kernel(memory, build_elf({})).value().format == KernelFormat::Elf);
}

TEST_CASE("guest memory failures become boot errors that name the cause")
{
    const BootError error(Error::out_of_range("guest address range outside guest memory"));
    CHECK(error.code == BootErrc::GuestMemory);
    CHECK(error.message()
        == "writing boot data to guest memory: guest address range outside guest memory");
}

TEST_CASE("a real kernel loads when one is available (optional)"
    * doctest::skip(partvm_test::skip_unless(
        !find_real_kernel().empty(), "loading a real kernel: none found (set PARTVM_TEST_KERNEL)")))
{
    const auto path = find_real_kernel();
    REQUIRE_MESSAGE(!path.empty(), "no real kernel"); // Forced by --no-skip: fail, not pass.
    std::ifstream file(path, std::ios::binary);
    const std::vector<char> bytes(
        (std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    auto memory = GuestMemory::allocate_for_test(512 * mib);
    auto kernel = load_kernel(memory, std::as_bytes(std::span(bytes)));
    REQUIRE_MESSAGE(kernel.has_value(), (kernel.has_value() ? "" : kernel.error().message()));
    CHECK(kernel->cmdline_limit >= 255);
    CHECK(kernel->end > kernel->entry);
}
