// SPDX-License-Identifier: Apache-2.0
// A hostile guest's KVM_EXIT_HYPERV exits: arbitrary exit type, hypercall input value, params and
// guest RAM contents, plus SIMP/SIEFP values the host then posts into and signals. Nothing may
// crash or touch memory outside guest RAM, and the handler sees only validated input. Also feeds
// the HvPostMessage input parser directly.
//
// Input: mode u8 @0, vp u8 @1, relid u16 @2, post size u8 @4, pad @5, then three u64 (@8, @16,
// @24): the hypercall input value and params[0..1], or SCONTROL, SIMP and SIEFP for a SynIC exit.
// Everything from @32 on is guest RAM from address 0.
#include "vmm/hyperv/hypercalls.h"
#include "vmm/hyperv/post_message_input.h"
#include "vmm/hyperv/synic.h"
#include "vmm/hyperv/synic_ports.h"

#include <algorithm>
#include <cstring>
#include <linux/kvm.h>
#include <memory>

using namespace vmm;
using namespace vmm::hyperv;

namespace {

constexpr uint64_t memory_size = 64 * 1024;
constexpr uint32_t vcpu_count = 2;

struct Header {
    uint8_t mode;
    uint8_t vp; // Taken modulo vcpu_count + 1: one past the end is tried too.
    uint16_t relid;
    uint8_t post_size;
    uint8_t pad[3];
    uint64_t words[3];
};
static_assert(sizeof(Header) == 32);

// mode bits.
constexpr uint8_t exit_type_mask = 3; // 1 SynIC, 2 hypercall, others unknown to partvm.
constexpr uint8_t with_ports = 1 << 2;
constexpr uint8_t with_handler = 1 << 3;
constexpr uint8_t fold_word1 = 1 << 4; // Bring the word into (or just past) guest RAM.
constexpr uint8_t fold_word2 = 1 << 5;

void require(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

/// Checks that only validated input reaches the VMBus host.
struct CheckingHandler final : HypercallHandler {
    int calls { 0 };
    uint16_t on_guest_post_message(uint32_t, uint32_t connection_id, uint32_t message_type,
        std::span<const std::byte> payload) override
    {
        require(connection_id <= HV_CONNECTION_ID_MASK);
        require(message_type != 0 && message_type < 0x80000000);
        require(payload.size() <= post_message_max_payload);
        ++calls;
        return HV_STATUS_SUCCESS;
    }
    uint16_t signal_event(uint32_t connection_id, uint16_t) override
    {
        require(connection_id <= HV_CONNECTION_ID_MASK);
        ++calls;
        return HV_STATUS_SUCCESS;
    }
};

uint64_t fold(uint64_t word)
{
    return word % (memory_size + 4096);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    // Built once: mapping memory and creating eventfds per input would dominate the run.
    static GuestMemory memory = GuestMemory::allocate_for_test(memory_size);
    static SynicPorts ports = SynicPorts::create_detached(memory, vcpu_count).value();
    static const auto run = std::make_unique<kvm_run>();

    Header header {};
    std::memcpy(&header, data, std::min(size, sizeof(header)));
    const auto image = std::span(reinterpret_cast<const std::byte*>(data), size)
                           .subspan(std::min(size, sizeof(header)));
    (void)memory.fill(GuestAddress(0), memory_size, std::byte(0));
    (void)memory.write(GuestAddress(0), image.first(std::min<size_t>(image.size(), memory_size)));
    for (uint32_t vp = 0; vp < vcpu_count; ++vp) {
        ports.record_synic(vp, 0, 0, 0);
    }

    // The parser alone, on the first 256 bytes of the image.
    std::array<std::byte, post_message_input_size> page {};
    std::copy_n(image.begin(), std::min(image.size(), page.size()), page.begin());
    if (auto parsed = parse_post_message_input(page)) {
        require(parsed->payload().size() <= post_message_max_payload);
        require(parsed->connection_id <= HV_CONNECTION_ID_MASK);
    }

    const uint32_t vp = header.vp % (vcpu_count + 1);
    uint64_t words[3] = { header.words[0], header.words[1], header.words[2] };
    if (header.mode & fold_word1) {
        words[1] = fold(words[1]);
    }
    if (header.mode & fold_word2) {
        words[2] = fold(words[2]);
    }
    std::memset(run.get(), 0, sizeof(kvm_run));
    run->exit_reason = KVM_EXIT_HYPERV;
    run->hyperv.type = header.mode & exit_type_mask;
    if (run->hyperv.type == KVM_EXIT_HYPERV_SYNIC) {
        run->hyperv.u.synic.control = words[0];
        run->hyperv.u.synic.msg_page = words[1];
        run->hyperv.u.synic.evt_page = words[2];
    } else {
        run->hyperv.u.hcall.input = words[0];
        run->hyperv.u.hcall.params[0] = words[1];
        run->hyperv.u.hcall.params[1] = words[2];
    }
    CheckingHandler handler;
    handle_hyperv_exit(*run, vp, memory, (header.mode & with_ports) ? &ports : nullptr,
        (header.mode & with_handler) ? &handler : nullptr);
    if (run->hyperv.type == KVM_EXIT_HYPERV_HCALL) {
        require(run->hyperv.u.hcall.result <= 0xffff);
        require(handler.calls == 0 || run->hyperv.u.hcall.result == HV_STATUS_SUCCESS);
    }

    // Host-side delivery into whatever pages the guest named.
    const size_t post_size = std::min<size_t>(header.post_size % 241, image.size());
    const auto result = ports.post_message(vp, 1, image.first(post_size));
    require(result != PostResult::Delivered || vp < vcpu_count);
    (void)ports.post_message(vp, 1, image.first(post_size)); // Busy if the first one landed.
    (void)ports.signal_event(vp, header.relid);
    return 0;
}
