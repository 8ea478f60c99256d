// SPDX-License-Identifier: Apache-2.0
// The VMBus host at run time: one thread running an io_uring event loop that owns the control
// plane and every device. vCPU threads hand it the guest's messages; KVM hands it channel signals
// through eventfds; it answers through the SynIC message and event-flag pages.
#pragma once
#include "base/check.h"
#include "vmbus-lite/control/control_plane.h"
#include "vmm/event_loop/event_loop.h"
#include "vmm/hyperv/hypercall_handler.h"
#include "vmm/hyperv/synic_ports.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>

namespace vmm {

class VmFd;
class GuestMemory;

class VmbusHost final : public hyperv::HypercallHandler, private vmbus::BusHost {
public:
    /// `vm`, `memory` and `ports` must outlive the host.
    static Result<std::unique_ptr<VmbusHost>> create(
        VmFd& vm, const GuestMemory& memory, hyperv::SynicPorts& ports);
    ~VmbusHost() override;

    /// Puts a device on the bus. Before start(), or on the VMBus thread.
    void add_device(vmbus::Device& device) { m_control.add_device(device); }
    /// For services that add and remove devices while running (vsock): before start(), or on
    /// the VMBus thread.
    EventLoop& loop() { return *m_loop; }
    vmbus::ControlPlane& control() { return m_control; }

    /// Starts the VMBus thread, which calls `on_thread_start` (the sandbox's fence) first.
    void start(std::function<void()> on_thread_start = {});
    /// Stops the thread; the guest is no longer served. Idempotent.
    void stop();

    /// Runs `function` (which returns a value) on the VMBus thread and returns its result, waiting
    /// at most `timeout`. Never call it on the VMBus thread, which would wait for itself (CHECKed).
    /// nullopt when the thread is not running (before start(), from stop() on) or did not get to
    /// `function` in time; `function` may then still run later on the VMBus thread, or never, so
    /// what it touches must outlive the host.
    template<class F>
    std::optional<std::invoke_result_t<F&>> call(F function, std::chrono::milliseconds timeout)
    {
        CHECK(!m_loop->on_loop_thread());
        if (!m_running.load(std::memory_order_acquire)) {
            return std::nullopt; // stop() drops posted work: the future would never be ready.
        }
        // Shared with the posted closure, which may outlive this call after a timeout.
        auto task
            = std::make_shared<std::packaged_task<std::invoke_result_t<F&>()>>(std::move(function));
        auto result = task->get_future();
        m_loop->post([task] { (*task)(); });
        if (result.wait_for(timeout) != std::future_status::ready) {
            return std::nullopt;
        }
        return result.get();
    }

    // hyperv::HypercallHandler, on vCPU threads: what the guest sends the host.
    uint16_t on_guest_post_message(uint32_t vp_index, uint32_t connection_id, uint32_t message_type,
        std::span<const std::byte> payload) override;
    uint16_t signal_event(uint32_t connection_id, uint16_t flag_number) override;

private:
    VmbusHost(VmFd& vm, const GuestMemory& memory, hyperv::SynicPorts& ports,
        std::unique_ptr<EventLoop> loop, UniqueFd inbox_event);

    // vmbus::BusHost, on the VMBus thread: what the host sends the guest.
    void post_to_guest(uint32_t vp, std::span<const std::byte> message) override;
    void signal_guest(uint32_t vp, uint32_t relid) override;
    bool watch_connection(uint32_t connection_id) override;
    void unwatch_connection(uint32_t connection_id) override;

    void drain_inbox();
    /// Moves queued messages into `vp`'s message slot until it is busy.
    void deliver(uint32_t vp);

    struct Connection {
        UniqueFd event; // Registered with KVM_HYPERV_EVENTFD.
        EventLoop::WatchId watch;
    };

    VmFd& m_vm;
    hyperv::SynicPorts& m_ports;
    std::unique_ptr<EventLoop> m_loop;
    std::atomic<bool> m_running { false }; // Between start() and stop(), for call().

    // Guest messages, from the vCPU threads to the VMBus thread.
    UniqueFd m_inbox_event;
    std::mutex m_inbox_lock;
    std::deque<std::vector<std::byte>> m_inbox;

    std::vector<std::deque<std::vector<std::byte>>> m_outbox; // Per VP, VMBus thread only.
    std::unordered_map<uint32_t, Connection> m_connections; // By connection id.
    vmbus::ControlPlane m_control; // After what its destructor's closes still use.
    std::thread m_thread;
};

} // namespace vmm
