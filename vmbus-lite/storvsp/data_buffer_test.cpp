// SPDX-License-Identifier: Apache-2.0
// Data buffers over guest memory: cut to the transfer length, refused outside guest RAM.
#include "vmbus-lite/storvsp/data_buffer.h"

#include <doctest/doctest.h>

using namespace vmbus::storvsp;

namespace {
constexpr uint64_t ram = 1 << 20;
} // namespace

TEST_CASE("data buffer: pieces are cut to the transfer length and copy in order")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram);
    const GpaRange range { 6000, { { 0x1f00, 0x100 }, { 0x8000, 5904 } } };

    const auto buffer = DataBuffer::map(memory, range, 0x100 + 16).value();
    std::vector<std::byte> data(0x100 + 16);
    for (size_t i = 0; i < data.size(); ++i) {
        data[i] = std::byte(i);
    }
    buffer.copy_in(data);

    CHECK(buffer.size() == 0x110);
    REQUIRE(buffer.iovecs().size() == 2);
    CHECK(buffer.iovecs()[1].iov_len == 16);
    CHECK(memory.read_obj<uint8_t>(vmm::GuestAddress(0x1f01)).value() == 1);
    CHECK(memory.read_obj<uint8_t>(vmm::GuestAddress(0x8000)).value() == 0);
    CHECK(memory.read_obj<uint8_t>(vmm::GuestAddress(0x800f)).value() == 15);
    CHECK(memory.read_obj<uint8_t>(vmm::GuestAddress(0x8010)).value() == 0);
    CHECK(buffer.copy_out() == data);
}

TEST_CASE("data buffer: a page outside guest RAM, or fewer bytes than asked, is refused")
{
    auto memory = vmm::GuestMemory::allocate_for_test(ram);

    CHECK_FALSE(DataBuffer::map(memory, { 4096, { { ram, 4096 } } }, 4096));
    CHECK_FALSE(DataBuffer::map(memory, { 4096, { { ram - 2048, 4096 } } }, 4096));
    CHECK_FALSE(DataBuffer::map(memory, { 4096, { { 0, 4096 } } }, 8192));
    CHECK(DataBuffer::map(memory, { 4096, { { ram - 4096, 4096 } } }, 4096));
}
