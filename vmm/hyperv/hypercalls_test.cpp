// SPDX-License-Identifier: Apache-2.0
#include "vmm/hyperv/hypercalls.h"
#include "vmm/hyperv/synic.h"
#include "vmm/hyperv/synic_ports.h"

#include <cstring>
#include <doctest/doctest.h>
#include <linux/kvm.h>
#include <memory>
#include <vector>

using namespace vmm;
using namespace vmm::hyperv;

namespace {

struct Recorder final : HypercallHandler {
    struct Post {
        uint32_t vp, connection, type;
        std::vector<std::byte> payload;
    };
    std::vector<Post> posts;
    std::vector<std::pair<uint32_t, uint16_t>> signals;
    uint16_t answer { HV_STATUS_SUCCESS };

    uint16_t on_guest_post_message(uint32_t vp, uint32_t connection, uint32_t type,
        std::span<const std::byte> payload) override
    {
        posts.push_back({ vp, connection, type, { payload.begin(), payload.end() } });
        return answer;
    }
    uint16_t signal_event(uint32_t connection, uint16_t flag) override
    {
        signals.emplace_back(connection, flag);
        return answer;
    }
};

constexpr uint64_t input_gpa = 0x3000;
constexpr uint64_t post_call = HVCALL_POST_MESSAGE;
constexpr uint64_t signal_call = HVCALL_SIGNAL_EVENT;
constexpr uint64_t fast = uint64_t(1) << 16;

void write_input(
    GuestMemory& memory, uint64_t gpa, uint32_t connection, uint32_t type, uint32_t size)
{
    const uint32_t header[4] = { connection, 0, type, size };
    REQUIRE(memory.write(GuestAddress(gpa), std::as_bytes(std::span(header))));
    std::byte payload[240];
    for (size_t i = 0; i < sizeof(payload); ++i) {
        payload[i] = std::byte(i);
    }
    REQUIRE(memory.write(GuestAddress(gpa + 16), payload));
}

} // namespace

TEST_CASE("HvPostMessage hands a validated copy to the handler and returns its status")
{
    auto memory = GuestMemory::allocate_for_test(1 << 20);
    write_input(memory, input_gpa, 4, 1, 24);
    Recorder handler;
    handler.answer = HV_STATUS_INSUFFICIENT_BUFFERS;
    CHECK(handle_hypercall(post_call, input_gpa, 3, memory, &handler)
        == HV_STATUS_INSUFFICIENT_BUFFERS);
    REQUIRE(handler.posts.size() == 1);
    CHECK(handler.posts[0].vp == 3);
    CHECK(handler.posts[0].connection == 4);
    CHECK(handler.posts[0].type == 1);
    REQUIRE(handler.posts[0].payload.size() == 24);
    CHECK(handler.posts[0].payload[23] == std::byte(23));
}

TEST_CASE("HvPostMessage input that breaks the TLFS rules never reaches the handler")
{
    auto memory = GuestMemory::allocate_for_test(1 << 20);
    write_input(memory, input_gpa, 1, 1, 8);
    Recorder handler;
    CHECK(handle_hypercall(post_call | fast, input_gpa, 0, memory, &handler)
        == HV_STATUS_INVALID_HYPERCALL_INPUT);
    CHECK(handle_hypercall(post_call | (uint64_t(1) << 32), input_gpa, 0, memory, &handler)
        == HV_STATUS_INVALID_HYPERCALL_INPUT); // A rep count.
    CHECK(handle_hypercall(post_call, input_gpa + 4, 0, memory, &handler)
        == HV_STATUS_INVALID_ALIGNMENT);
    CHECK(handle_hypercall(post_call, input_gpa + 4096 - 8, 0, memory, &handler)
        == HV_STATUS_INVALID_ALIGNMENT); // Crosses a page.
    CHECK(handle_hypercall(post_call, 1 << 20, 0, memory, &handler)
        == HV_STATUS_INVALID_HYPERCALL_INPUT); // Outside RAM.
    CHECK(handle_hypercall(post_call, 0xfffffffffffff000, 0, memory, &handler)
        == HV_STATUS_INVALID_HYPERCALL_INPUT);
    write_input(memory, input_gpa, 1, 1, 241);
    CHECK(handle_hypercall(post_call, input_gpa, 0, memory, &handler)
        == HV_STATUS_INVALID_HYPERCALL_INPUT);
    write_input(memory, input_gpa, 1, 0, 8);
    CHECK(handle_hypercall(post_call, input_gpa, 0, memory, &handler)
        == HV_STATUS_INVALID_HYPERCALL_INPUT);
    CHECK(handler.posts.empty());
    // The last 256 bytes of a page are fine.
    write_input(memory, input_gpa + 4096 - 256, 1, 1, 8);
    CHECK(handle_hypercall(post_call, input_gpa + 4096 - 256, 0, memory, &handler)
        == HV_STATUS_SUCCESS);
}

TEST_CASE("without a handler a valid HvPostMessage finds no connection")
{
    auto memory = GuestMemory::allocate_for_test(1 << 20);
    write_input(memory, input_gpa, 4, 1, 24);
    CHECK(handle_hypercall(post_call, input_gpa, 0, memory, nullptr)
        == HV_STATUS_INVALID_CONNECTION_ID);
    CHECK(handle_hypercall(signal_call | fast, 0x10001, 0, memory, nullptr)
        == HV_STATUS_INVALID_CONNECTION_ID);
}

TEST_CASE("HvSignalEvent takes params[0] as the input value, fast or not")
{
    auto memory = GuestMemory::allocate_for_test(1 << 20);
    Recorder handler;
    const uint64_t value = 0x10005 | (uint64_t(7) << 32);
    CHECK(handle_hypercall(signal_call | fast, value, 0, memory, &handler) == HV_STATUS_SUCCESS);
    CHECK(handle_hypercall(signal_call, value, 1, memory, &handler) == HV_STATUS_SUCCESS);
    REQUIRE(handler.signals.size() == 2);
    CHECK(handler.signals[0] == std::pair<uint32_t, uint16_t>(0x10005, 7));
    CHECK(handler.signals[1] == handler.signals[0]);
    // Reserved bits: 24-31 and 48-63.
    CHECK(handle_hypercall(signal_call | fast, 0x1000001, 0, memory, &handler)
        == HV_STATUS_INVALID_HYPERCALL_INPUT);
    CHECK(handle_hypercall(signal_call | fast, uint64_t(1) << 48, 0, memory, &handler)
        == HV_STATUS_INVALID_HYPERCALL_INPUT);
    CHECK(handler.signals.size() == 2);
}

TEST_CASE("other hypercall codes are unknown")
{
    auto memory = GuestMemory::allocate_for_test(1 << 20);
    Recorder handler;
    for (uint64_t code : { 0x0000, 0x0001, 0x0008, 0x005e, 0x0091, 0xffff }) {
        CHECK(handle_hypercall(code, 0, 0, memory, &handler) == HV_STATUS_INVALID_HYPERCALL_CODE);
    }
    CHECK(handler.posts.empty());
    CHECK(handler.signals.empty());
}

TEST_CASE("KVM_EXIT_HYPERV: SynIC writes reach the ports, hypercall results land in kvm_run")
{
    auto memory = GuestMemory::allocate_for_test(1 << 20);
    auto ports = SynicPorts::create_detached(memory, 2).value();
    Recorder handler;
    auto run = std::make_unique<kvm_run>();

    run->exit_reason = KVM_EXIT_HYPERV;
    run->hyperv.type = KVM_EXIT_HYPERV_SYNIC;
    run->hyperv.u.synic.control = 1;
    run->hyperv.u.synic.msg_page = 0x8000 | 1;
    run->hyperv.u.synic.evt_page = 0x9000 | 1;
    handle_hyperv_exit(*run, 1, memory, &ports, &handler);
    const std::byte message[] = { std::byte(0x42) };
    CHECK(ports.post_message(1, 1, message) == PostResult::Delivered);
    CHECK(memory.read_obj<uint8_t>(GuestAddress(0x8000 + 512 + 16)).value() == 0x42);
    CHECK(ports.post_message(0, 1, message) == PostResult::NotReady);

    write_input(memory, input_gpa, 1, 1, 4);
    run->hyperv.type = KVM_EXIT_HYPERV_HCALL;
    run->hyperv.u.hcall.input = post_call;
    run->hyperv.u.hcall.params[0] = input_gpa;
    run->hyperv.u.hcall.result = 0xdead;
    handle_hyperv_exit(*run, 1, memory, &ports, &handler);
    CHECK(run->hyperv.u.hcall.result == HV_STATUS_SUCCESS);
    REQUIRE(handler.posts.size() == 1);
    CHECK(handler.posts[0].vp == 1);

    run->hyperv.u.hcall.input = 0x0099;
    handle_hyperv_exit(*run, 1, memory, nullptr, nullptr);
    CHECK(run->hyperv.u.hcall.result == HV_STATUS_INVALID_HYPERCALL_CODE);
}
