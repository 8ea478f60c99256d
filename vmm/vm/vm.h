// SPDX-License-Identifier: Apache-2.0
// A running microVM: owns the KVM fds, guest memory, legacy devices and vCPU threads, in that
// order, so destruction stops the vCPUs first and frees guest memory last.
#pragma once
#include "base/unique_fd.h"
#include "guestmem/guest_memory.h"
#include "vmbus-lite/ic/shutdown_device.h"
#include "vmm/devices/bus.h"
#include "vmm/devices/interrupt_line.h"
#include "vmm/devices/serial_8250.h"
#include "vmm/devices/stop_sink.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/vm_fd.h"
#include "vmm/sandbox/sandbox.h"
#include "vmm/vcpu/vcpu.h"
#include "vmm/vm/scsi_controller.h"
#include "vmm/vmbus_host/vmbus_host.h"
#include "vmm/vsock/vsock_service.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace vmm {

/// How a VM run ended.
struct VmOutcome {
    std::optional<StopReason> reason; ///< Empty when a signal to partvm ended it.
    int signal { 0 }; ///< The host signal that ended it, or that asked the guest to shut down.
};

class Vm final : public StopSink {
public:
    Vm(Kvm kvm, VmFd vm_fd, GuestMemory memory);
    ~Vm() override;

    const Kvm& kvm() const { return m_kvm; }
    VmFd& vm_fd() { return m_vm_fd; }
    GuestMemory& memory() { return m_memory; }
    IoBus& io_bus() { return m_io_bus; }
    /// Keeps an interrupt line alive for as long as the devices that pulse it.
    InterruptLine& add_irq_line(std::unique_ptr<InterruptLine> line)
    {
        return *m_irq_lines.emplace_back(std::move(line));
    }
    /// Keeps the serial device to flush its last partial line when the VM stops.
    void set_serial(std::shared_ptr<Serial8250> serial) { m_serial = std::move(serial); }
    void add_vcpu(std::unique_ptr<Vcpu> vcpu) { m_vcpus.push_back(std::move(vcpu)); }
    hyperv::SynicPorts* synic_ports() { return m_synic_ports.get(); }
    void set_synic_ports(std::unique_ptr<hyperv::SynicPorts> ports)
    {
        m_synic_ports = std::move(ports);
    }
    VmbusHost* vmbus() { return m_vmbus.get(); }
    /// The VMBus host and the shutdown service it offers; the host must not be started.
    void set_vmbus(
        std::unique_ptr<VmbusHost> host, std::unique_ptr<vmbus::ic::ShutdownDevice> shutdown)
    {
        m_shutdown_device = std::move(shutdown);
        m_vmbus = std::move(host);
        m_vmbus->add_device(*m_shutdown_device);
    }
    void set_vsock(std::unique_ptr<VsockService> vsock) { m_vsock = std::move(vsock); }
    /// The [[disk]]s on the VMBus (each disk's fd, and so its lock, lives in its backend).
    void set_scsi(std::unique_ptr<ScsiController> scsi) { m_scsi = std::move(scsi); }
    /// How long a stop signal waits for the guest to shut down by itself; 0 stops at once.
    void set_shutdown_timeout(std::chrono::milliseconds timeout) { m_shutdown_timeout = timeout; }
    std::vector<std::unique_ptr<Vcpu>>& vcpus() { return m_vcpus; }
    /// Fences every thread at start(); start() must then be called on the control thread.
    void set_sandbox(std::unique_ptr<Sandbox> sandbox) { m_sandbox = std::move(sandbox); }

    /// Starts the VMBus host and every vCPU, and blocks until the guest stops. SIGINT, SIGTERM or
    /// SIGHUP (which the caller must have blocked in every thread) first ask the guest to shut
    /// down through the Hyper-V shutdown service; a second signal, the timeout, or a guest
    /// without that service stops the VM hard. Stops and joins every thread before returning.
    VmOutcome run();

    /// Asks the guest to shut itself down; false when it cannot be asked (no shutdown service
    /// open in the guest, or a VMBus thread that does not answer). Any thread but the VMBus
    /// thread, while run() runs.
    bool request_guest_shutdown();

    void request_stop(StopReason reason) override;

private:
    // run() is these three around its signal handling.
    /// Starts the threads. With a sandbox, the calling thread is fenced as the control thread
    /// before the guest runs.
    void start();
    /// Readable once the guest stopped (or request_stop() was called); see stop_reason().
    int stop_fd() const { return m_stop_event.get(); }
    /// Why the VM stopped. Precondition: stop_fd() is readable.
    StopReason stop_reason() const { return static_cast<StopReason>(m_stop_reason.load()); }
    /// Stops and joins the vCPUs, then the VMBus thread. Idempotent; also run by ~Vm().
    void stop();

    void stop_vcpus();
    /// Reads one signal from the signalfd; 0 if none was pending.
    static int read_signal(int signal_fd);

    Kvm m_kvm;
    VmFd m_vm_fd;
    GuestMemory m_memory;
    std::vector<std::unique_ptr<InterruptLine>> m_irq_lines; // Outlive the devices on the bus.
    IoBus m_io_bus;
    std::shared_ptr<Serial8250> m_serial;
    UniqueFd m_stop_event; // eventfd written once by request_stop().
    std::atomic<int> m_stop_reason { -1 };
    std::chrono::milliseconds m_shutdown_timeout { 0 };
    std::unique_ptr<Sandbox> m_sandbox; // Outlives the threads that wait at its gate.
    std::unique_ptr<hyperv::SynicPorts> m_synic_ports;
    std::unique_ptr<vmbus::ic::ShutdownDevice>
        m_shutdown_device; // Outlives the host that offers it.
    std::unique_ptr<VmbusHost> m_vmbus; // The vCPUs call into it: destroyed after them.
    // Destroyed before the host whose loop and control plane it uses (its channels leave the bus).
    std::unique_ptr<VsockService> m_vsock;
    // Likewise: off the bus before the host goes, its rings' I/O waited for.
    std::unique_ptr<ScsiController> m_scsi;
    std::vector<std::unique_ptr<Vcpu>> m_vcpus; // Last: destroyed first.
};

} // namespace vmm
