// SPDX-License-Identifier: Apache-2.0
// One vCPU thread: KVM_RUN in a loop, each exit handed to dispatch_exit() (exit_dispatch.h).
#pragma once
#include "guestmem/guest_memory.h"
#include "vmm/kvm/vcpu_fd.h"
#include "vmm/vcpu/exit_dispatch.h"

#include <atomic>
#include <functional>
#include <pthread.h>
#include <thread>

namespace vmm {

class Vcpu {
public:
    /// The VP index is the KVM vCPU id (vCPUs are created in order). `ports` and `handler` may be
    /// null (no VMBus host: the guest's hypercalls are refused); both must outlive the thread, as
    /// must `memory`.
    Vcpu(VcpuFd fd, IoBus& bus, StopSink& stop, const GuestMemory& memory,
        hyperv::SynicPorts* ports = nullptr, hyperv::HypercallHandler* handler = nullptr)
        : m_fd(std::move(fd))
        , m_exits { m_fd.id(), bus, stop, memory, ports, handler }
    {
    }
    Vcpu(const Vcpu&) = delete;
    Vcpu& operator=(const Vcpu&) = delete;
    ~Vcpu() { join(); }

    /// Installs the (empty) kick signal handler; call once per process before any start().
    static void install_kick_handler();

    VcpuFd& fd() { return m_fd; }
    /// Starts the thread, which calls `on_thread_start` (the sandbox's fence, vmm/sandbox) before
    /// its first KVM_RUN. The vCPU's registers must be set up.
    void start(std::function<void()> on_thread_start = {});
    /// Asks the thread to leave KVM_RUN and end. Any thread; does not wait.
    void kick();
    /// Waits for the thread to end (after kick()).
    void join();
    /// True between start() and join().
    bool running() const { return m_thread.joinable(); }

    /// When the thread first entered KVM_RUN (steady_clock nanoseconds), or 0 if it has not yet.
    int64_t first_run_ns() const { return m_first_run_ns.load(std::memory_order_acquire); }

private:
    void run_loop();

    VcpuFd m_fd;
    ExitTargets m_exits; // After m_fd, whose id it copies.
    std::atomic<bool> m_stopping { false };
    std::atomic<bool> m_started { false };
    std::atomic<int64_t> m_first_run_ns { 0 };
    std::thread m_thread;
    pthread_t m_handle {};
};

} // namespace vmm
