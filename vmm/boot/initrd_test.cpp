// SPDX-License-Identifier: Apache-2.0
#include "vmm/boot/initrd.h"

#include <doctest/doctest.h>

#include <limits>
#include <vector>

using namespace vmm;

namespace {

constexpr uint64_t mib = 1ull << 20;

LoadedKernel kernel_ending_at(uint64_t end, uint64_t initrd_addr_max = 0x7fffffff)
{
    LoadedKernel kernel;
    kernel.end = GuestAddress(end);
    kernel.initrd_addr_max = initrd_addr_max;
    return kernel;
}

std::vector<std::byte> initramfs(size_t size)
{
    return std::vector<std::byte>(size, std::byte { 0x42 });
}

} // namespace

TEST_CASE("initrd goes to the highest page-aligned address in low RAM")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto placement = place_initrd(memory, initramfs(5000), kernel_ending_at(17 * mib)).value();
    CHECK(placement.address == GuestAddress((64 * mib - 5000) & ~0xfffull));
    CHECK(placement.size == 5000);
    CHECK(memory.read_obj<std::byte>(placement.address + 4999).value() == std::byte { 0x42 });
}

TEST_CASE("initrd stays at or below initrd_addr_max")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto kernel = kernel_ending_at(17 * mib, 32 * mib - 1);
    auto placement = place_initrd(memory, initramfs(4096), kernel).value();
    CHECK(placement.address == GuestAddress(32 * mib - 4096));
}

TEST_CASE("initrd_addr_max of all ones does not overflow")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto kernel = kernel_ending_at(17 * mib, std::numeric_limits<uint64_t>::max());
    auto placement = place_initrd(memory, initramfs(4096), kernel).value();
    CHECK(placement.address == GuestAddress(64 * mib - 4096));
}

TEST_CASE("initrd that does not fit above the kernel is rejected with both sizes")
{
    auto memory = GuestMemory::allocate_for_test(20 * mib);
    auto result = place_initrd(memory, initramfs(4 * mib), kernel_ending_at(17 * mib));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == BootErrc::InitrdDoesNotFit);
    CHECK(result.error().message()
        == "guest memory too small for kernel plus initramfs (initramfs is 4194304 bytes; "
           "3145728 bytes are free above the kernel)");
}

TEST_CASE("initrd page rounding may not push it into the kernel")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    const uint64_t kernel_end = 17 * mib + 1;
    auto result
        = place_initrd(memory, initramfs(64 * mib - kernel_end), kernel_ending_at(kernel_end));
    CHECK(result.error().code == BootErrc::InitrdDoesNotFit);
}

TEST_CASE("empty initrd places nothing")
{
    auto memory = GuestMemory::allocate_for_test(64 * mib);
    auto placement = place_initrd(memory, {}, kernel_ending_at(17 * mib)).value();
    CHECK(placement.size == 0);
    CHECK(placement.address == GuestAddress(0));
}
