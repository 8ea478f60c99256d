// SPDX-License-Identifier: Apache-2.0
// dispatch_exit() on a zeroed kvm_run filled in as KVM would, one case per exit kind it handles.
#include "guestmem/guest_memory.h"
#include "vmm/hyperv/hypercall_handler.h"
#include "vmm/hyperv/synic_page.h"
#include "vmm/hyperv/synic_ports.h"
#include "vmm/vcpu/exit_dispatch.h"

#include <cstddef>
#include <doctest/doctest.h>
#include <linux/kvm.h>
#include <optional>
#include <utility>
#include <vector>

using namespace vmm;
using namespace vmm::hyperv;

namespace {

/// Records every access with its offset from the device's base port.
struct RecordingDevice final : BusDevice {
    struct Access {
        uint16_t offset;
        std::vector<uint8_t> data;
    };
    std::vector<Access> reads;
    std::vector<Access> writes;
    uint8_t answer { 0x5a };

    void read(uint16_t offset, std::span<uint8_t> data) override
    {
        std::fill(data.begin(), data.end(), answer);
        reads.push_back({ offset, { data.begin(), data.end() } });
    }
    void write(uint16_t offset, std::span<const uint8_t> data) override
    {
        writes.push_back({ offset, { data.begin(), data.end() } });
    }
};

struct RecordingSink final : StopSink {
    std::vector<StopReason> reasons;
    void request_stop(StopReason reason) override { reasons.push_back(reason); }
};

struct RecordingHandler final : HypercallHandler {
    std::vector<uint32_t> posted_connections;
    uint16_t on_guest_post_message(
        uint32_t, uint32_t connection_id, uint32_t, std::span<const std::byte>) override
    {
        posted_connections.push_back(connection_id);
        return HV_STATUS_INSUFFICIENT_BUFFERS;
    }
    uint16_t signal_event(uint32_t, uint16_t) override { return HV_STATUS_SUCCESS; }
};

constexpr uint16_t device_base = 0x3f8;
constexpr uint16_t unclaimed_port = 0x80;
constexpr uint64_t simp_gpa = 0x10000;
constexpr uint64_t siefp_gpa = 0x11000;
constexpr uint64_t hypercall_input_gpa = 0x3000;

/// A kvm_run as KVM maps it: the structure, then the data of port exits at run.io.data_offset
/// (KVM puts it one page in; here it simply follows the structure).
struct RunArea {
    kvm_run run {};
    uint8_t io_data[16] {};
};

struct Fixture {
    RunArea area {};
    kvm_run& run = area.run;
    std::shared_ptr<RecordingDevice> device = std::make_shared<RecordingDevice>();
    IoBus bus;
    RecordingSink sink;
    GuestMemory memory = GuestMemory::allocate_for_test(1 << 20);
    std::optional<SynicPorts> ports;
    RecordingHandler handler;

    Fixture() { REQUIRE(bus.insert(device_base, 8, device)); }

    /// Targets of VP 1; with Hyper-V ports and a hypercall handler only when asked for.
    ExitTargets targets(bool with_vmbus = false)
    {
        if (with_vmbus && !ports) {
            ports = SynicPorts::create_detached(memory, 2).value();
        }
        return { .vp_index = 1,
            .bus = bus,
            .stop = sink,
            .memory = memory,
            .ports = with_vmbus ? &*ports : nullptr,
            .handler = with_vmbus ? &handler : nullptr };
    }

    void port_exit(uint8_t direction, uint16_t port, uint8_t size, uint32_t count)
    {
        run.exit_reason = KVM_EXIT_IO;
        run.io.direction = direction;
        run.io.port = port;
        run.io.size = size;
        run.io.count = count;
        run.io.data_offset = offsetof(RunArea, io_data);
    }

    /// Dispatches `run` as an exit that must stop the vCPU; returns the one reason it reported.
    StopReason stop_reason()
    {
        CHECK(dispatch_exit(run, targets()) == ExitAction::Stop);
        REQUIRE(sink.reasons.size() == 1);
        return sink.reasons.front();
    }
};

} // namespace

TEST_CASE("a port write reaches the device, one access per repetition, at its offset")
{
    Fixture f;
    f.port_exit(KVM_EXIT_IO_OUT, device_base + 1, 1, 3);
    f.area.io_data[0] = 0x11;
    f.area.io_data[1] = 0x22;
    f.area.io_data[2] = 0x33;
    CHECK(dispatch_exit(f.run, f.targets()) == ExitAction::Continue);
    REQUIRE(f.device->writes.size() == 3);
    CHECK(f.device->writes[0].offset == 1);
    CHECK(f.device->writes[0].data == std::vector<uint8_t> { 0x11 });
    CHECK(f.device->writes[2].data == std::vector<uint8_t> { 0x33 });
    CHECK(f.device->reads.empty());
    CHECK(f.sink.reasons.empty());
}

TEST_CASE("a port read leaves the device's answer where KVM picks it up")
{
    Fixture f;
    f.port_exit(KVM_EXIT_IO_IN, device_base + 5, 2, 1);
    CHECK(dispatch_exit(f.run, f.targets()) == ExitAction::Continue);
    REQUIRE(f.device->reads.size() == 1);
    CHECK(f.device->reads[0].offset == 5);
    CHECK(f.device->reads[0].data.size() == 2);
    CHECK(f.area.io_data[0] == 0x5a);
    CHECK(f.area.io_data[1] == 0x5a);
    CHECK(f.area.io_data[2] == 0);
}

TEST_CASE("an unclaimed port reads as all-ones and swallows writes")
{
    Fixture f;
    f.port_exit(KVM_EXIT_IO_IN, unclaimed_port, 4, 1);
    CHECK(dispatch_exit(f.run, f.targets()) == ExitAction::Continue);
    CHECK(f.area.io_data[0] == 0xff);
    CHECK(f.area.io_data[3] == 0xff);
    CHECK(f.area.io_data[4] == 0);

    f.port_exit(KVM_EXIT_IO_OUT, unclaimed_port, 1, 1);
    CHECK(dispatch_exit(f.run, f.targets()) == ExitAction::Continue);
    CHECK(f.device->writes.empty());
    CHECK(f.device->reads.empty());
    CHECK(f.sink.reasons.empty());
}

TEST_CASE("MMIO reads see all-ones and MMIO writes are dropped")
{
    Fixture f;
    f.run.exit_reason = KVM_EXIT_MMIO;
    f.run.mmio.phys_addr = 0xfed00000;
    f.run.mmio.len = 4;
    CHECK(dispatch_exit(f.run, f.targets()) == ExitAction::Continue);
    for (uint8_t byte : f.run.mmio.data) {
        CHECK(byte == 0xff);
    }

    f.run.mmio.is_write = 1;
    std::fill(std::begin(f.run.mmio.data), std::end(f.run.mmio.data), uint8_t(0x42));
    CHECK(dispatch_exit(f.run, f.targets()) == ExitAction::Continue);
    CHECK(f.run.mmio.data[0] == 0x42);
    CHECK(f.sink.reasons.empty());
}

TEST_CASE("an interrupted KVM_RUN just runs again")
{
    Fixture f;
    f.run.exit_reason = KVM_EXIT_INTR;
    CHECK(dispatch_exit(f.run, f.targets()) == ExitAction::Continue);
    CHECK(f.sink.reasons.empty());
}

TEST_CASE("a triple fault stops the VM as a reset")
{
    Fixture f;
    f.run.exit_reason = KVM_EXIT_SHUTDOWN;
    CHECK(f.stop_reason() == StopReason::Reset);
}

TEST_CASE("system events map to power-off, reset and crash")
{
    const std::pair<uint32_t, StopReason> cases[] = {
        { KVM_SYSTEM_EVENT_SHUTDOWN, StopReason::PowerOff },
        { KVM_SYSTEM_EVENT_RESET, StopReason::Reset },
        { KVM_SYSTEM_EVENT_CRASH, StopReason::Crash },
    };
    for (const auto& [type, reason] : cases) {
        CAPTURE(type);
        Fixture f;
        f.run.exit_reason = KVM_EXIT_SYSTEM_EVENT;
        f.run.system_event.type = type;
        CHECK(f.stop_reason() == reason);
    }
}

TEST_CASE("a system event of another kind is ignored")
{
    Fixture f;
    f.run.exit_reason = KVM_EXIT_SYSTEM_EVENT;
    f.run.system_event.type = KVM_SYSTEM_EVENT_WAKEUP;
    CHECK(dispatch_exit(f.run, f.targets()) == ExitAction::Continue);
    CHECK(f.sink.reasons.empty());
}

TEST_CASE("a failed VM entry, a KVM internal error and an unexpected exit are failures")
{
    for (uint32_t reason : { KVM_EXIT_FAIL_ENTRY, KVM_EXIT_INTERNAL_ERROR, KVM_EXIT_HLT,
             KVM_EXIT_UNKNOWN, KVM_EXIT_EXCEPTION }) {
        CAPTURE(reason);
        Fixture f;
        f.run.exit_reason = reason;
        CHECK(f.stop_reason() == StopReason::Failure);
    }
}

TEST_CASE("a SynIC MSR write reaches the SynIC ports of the exiting VP")
{
    Fixture f;
    const ExitTargets targets = f.targets(true);
    const std::byte payload[] = { std::byte(1) };
    REQUIRE(f.ports->post_message(1, 1, payload) == PostResult::NotReady);
    f.run.exit_reason = KVM_EXIT_HYPERV;
    f.run.hyperv.type = KVM_EXIT_HYPERV_SYNIC;
    f.run.hyperv.u.synic.control = synic_control_enable;
    f.run.hyperv.u.synic.msg_page = simp_gpa | synic_page_enable;
    f.run.hyperv.u.synic.evt_page = siefp_gpa | synic_page_enable;
    CHECK(dispatch_exit(f.run, targets) == ExitAction::Continue);
    CHECK(f.ports->post_message(1, 1, payload) == PostResult::Delivered);
    CHECK(f.ports->post_message(0, 1, payload) == PostResult::NotReady);
    CHECK(f.sink.reasons.empty());
}

TEST_CASE("a SynIC MSR write without a VMBus host changes nothing")
{
    Fixture f;
    f.run.exit_reason = KVM_EXIT_HYPERV;
    f.run.hyperv.type = KVM_EXIT_HYPERV_SYNIC;
    f.run.hyperv.u.synic.control = synic_control_enable;
    CHECK(dispatch_exit(f.run, f.targets()) == ExitAction::Continue);
    CHECK(f.sink.reasons.empty());
}

TEST_CASE("a hypercall is answered in the kvm_run, by the handler when there is one")
{
    Fixture f;
    const uint32_t header[4] = { 4, 0, 1, 8 }; // Connection 4, message type 1, 8 bytes.
    REQUIRE(f.memory.write(GuestAddress(hypercall_input_gpa), std::as_bytes(std::span(header))));
    f.run.exit_reason = KVM_EXIT_HYPERV;
    f.run.hyperv.type = KVM_EXIT_HYPERV_HCALL;
    f.run.hyperv.u.hcall.input = HVCALL_POST_MESSAGE;
    f.run.hyperv.u.hcall.params[0] = hypercall_input_gpa;

    CHECK(dispatch_exit(f.run, f.targets(true)) == ExitAction::Continue);
    CHECK(f.run.hyperv.u.hcall.result == HV_STATUS_INSUFFICIENT_BUFFERS);
    CHECK(f.handler.posted_connections == std::vector<uint32_t> { 4 });

    // No VMBus host: the guest finds no connection.
    CHECK(dispatch_exit(f.run, f.targets()) == ExitAction::Continue);
    CHECK(f.run.hyperv.u.hcall.result == HV_STATUS_INVALID_CONNECTION_ID);
    CHECK(f.handler.posted_connections.size() == 1);
    CHECK(f.sink.reasons.empty());
}
