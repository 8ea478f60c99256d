// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/synic_page.h"
#include "vmm/hyperv/synic_ports.h"

#include <cstring>
#include <doctest/doctest.h>
#include <sys/eventfd.h>
#include <unistd.h>

using namespace vmm;
using namespace vmm::hyperv;

namespace {

constexpr uint64_t simp_gpa = 0x10000;
constexpr uint64_t siefp_gpa = 0x11000;

/// Reads and clears an eventfd counter: how many times the SINT was asserted.
uint64_t take_count(int fd)
{
    uint64_t count = 0;
    return ::read(fd, &count, sizeof(count)) == sizeof(count) ? count : 0;
}

std::byte* slot2(GuestMemory& memory, uint64_t page)
{
    return memory.slice(GuestAddress(page + 512), 256).value().data();
}

struct Fixture {
    GuestMemory memory = GuestMemory::allocate_for_test(1 << 20);
    SynicPorts ports = SynicPorts::create_detached(memory, 2).value();

    void enable(uint32_t vp)
    {
        ports.record_synic(
            vp, synic_control_enable, simp_gpa | synic_page_enable, siefp_gpa | synic_page_enable);
    }
};

const std::byte payload[] = { std::byte(1), std::byte(2), std::byte(3) };

} // namespace

TEST_CASE("nothing is delivered before the guest enables its SynIC")
{
    Fixture f;
    CHECK(f.ports.vcpu_count() == 2);
    CHECK(f.ports.post_message(0, 1, payload) == PostResult::NotReady);
    CHECK_FALSE(f.ports.signal_event(0, 5));
    // SIMP and SIEFP enabled but SCONTROL not yet: Linux writes SCONTROL last.
    f.ports.record_synic(0, 0, simp_gpa | 1, siefp_gpa | 1);
    CHECK(f.ports.post_message(0, 1, payload) == PostResult::NotReady);
    CHECK_FALSE(f.ports.signal_event(0, 5));
    CHECK(take_count(f.ports.interrupt_fd(0)) == 0);
}

TEST_CASE("a posted message lands in slot 2 of that VP's SIMP and asserts its SINT once")
{
    Fixture f;
    f.enable(1);
    CHECK(f.ports.post_message(1, 1, payload) == PostResult::Delivered);
    std::byte* slot = slot2(f.memory, simp_gpa);
    uint32_t type;
    std::memcpy(&type, slot, 4);
    CHECK(type == 1);
    CHECK(slot[4] == std::byte(3));
    CHECK(slot[18] == std::byte(3));
    CHECK(take_count(f.ports.interrupt_fd(1)) == 1);
    CHECK(take_count(f.ports.interrupt_fd(0)) == 0);

    // Not consumed yet: Busy, msg_pending set, no second interrupt.
    CHECK(f.ports.post_message(1, 1, payload) == PostResult::Busy);
    CHECK((uint8_t(slot[5]) & 1) == 1);
    CHECK(take_count(f.ports.interrupt_fd(1)) == 0);
}

TEST_CASE("the SIMP is looked up again on every post: the guest may move or disable it")
{
    Fixture f;
    f.enable(0);
    CHECK(f.ports.post_message(0, 1, payload) == PostResult::Delivered);
    f.ports.record_synic(0, 1, 0x20000 | 1, siefp_gpa | 1);
    CHECK(f.ports.post_message(0, 1, payload) == PostResult::Delivered); // New page is free.
    CHECK(slot2(f.memory, 0x20000)[16] == std::byte(1));
    f.ports.record_synic(0, 1, 0x20000, siefp_gpa | 1); // Disabled.
    CHECK(f.ports.post_message(0, 1, payload) == PostResult::NotReady);
    f.ports.record_synic(0, 1, 0x7ffff000 | 1, siefp_gpa | 1); // Outside the 1 MiB of RAM.
    CHECK(f.ports.post_message(0, 1, payload) == PostResult::NotReady);
    CHECK(f.ports.signal_event(0, 3)); // The SIEFP is still fine.
}

TEST_CASE("event flags interrupt only when newly set")
{
    Fixture f;
    f.enable(0);
    CHECK(f.ports.signal_event(0, 9));
    CHECK(f.ports.signal_event(0, 9));
    CHECK(take_count(f.ports.interrupt_fd(0)) == 1);
    CHECK(slot2(f.memory, siefp_gpa)[1] == std::byte(0x02));
    CHECK_FALSE(f.ports.signal_event(0, 2048));
    f.ports.record_synic(0, 1, simp_gpa | 1, 0xfffffffffffff001);
    CHECK_FALSE(f.ports.signal_event(0, 9));
}

TEST_CASE("out-of-range VPs are refused, not indexed")
{
    Fixture f;
    f.ports.record_synic(2, 1, simp_gpa | 1, siefp_gpa | 1); // Ignored.
    CHECK(f.ports.post_message(2, 1, payload) == PostResult::NotReady);
    CHECK_FALSE(f.ports.signal_event(0xffffffff, 1));
    CHECK(f.ports.resample_fd(2) == -1);
    CHECK(f.ports.interrupt_fd(2) == -1);
    CHECK_FALSE(f.ports.consume_resample(2));
}

TEST_CASE("consume_resample drains the resample eventfd")
{
    Fixture f;
    CHECK_FALSE(f.ports.consume_resample(0));
    CHECK(::eventfd_write(f.ports.resample_fd(0), 1) == 0); // What KVM does on EOI or EOM.
    CHECK(::eventfd_write(f.ports.resample_fd(0), 1) == 0);
    CHECK(f.ports.consume_resample(0));
    CHECK_FALSE(f.ports.consume_resample(0));
}
