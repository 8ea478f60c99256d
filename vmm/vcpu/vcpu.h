// SPDX-License-Identifier: Apache-2.0
// One vCPU thread: KVM_RUN in a loop, port I/O dispatched inline to the legacy bus, Hyper-V exits
// to the SynIC glue, and every reason to stop reported to the VM's StopSink.
#pragma once
#include "vmm/devices/bus.h"
#include "vmm/devices/stop_request.h"
#include "vmm/hyperv/synic.h"
#include "vmm/kvm/vcpu_fd.h"

#include <atomic>
#include <pthread.h>
#include <thread>

namespace vmm {

class Vcpu {
public:
    Vcpu(VcpuFd fd, IoBus& bus, StopSink& stop)
        : m_fd(std::move(fd))
        , m_bus(bus)
        , m_stop(stop)
    {
    }
    Vcpu(const Vcpu&) = delete;
    Vcpu& operator=(const Vcpu&) = delete;
    ~Vcpu() { join(); }

    /// Installs the (empty) kick signal handler; call once per process before any start().
    static void install_kick_handler();

    VcpuFd& fd() { return m_fd; }
    /// Starts the thread. The vCPU's registers must be set up.
    void start();
    /// Asks the thread to leave KVM_RUN and end. Any thread; does not wait.
    void kick();
    /// Waits for the thread to end (after kick()).
    void join();
    /// True between start() and join().
    bool running() const { return m_thread.joinable(); }

private:
    void run_loop();
    /// Returns false when the vCPU must stop.
    bool handle_exit();
    void handle_io();

    VcpuFd m_fd;
    IoBus& m_bus;
    StopSink& m_stop;
    hyperv::SynicState m_synic;
    std::atomic<bool> m_stopping { false };
    std::atomic<bool> m_started { false };
    std::thread m_thread;
    pthread_t m_handle {};
};

} // namespace vmm
