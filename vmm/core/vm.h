// SPDX-License-Identifier: Apache-2.0
// A running microVM: owns the KVM fds, guest memory, legacy devices and vCPU threads, in that
// order, so destruction stops the vCPUs first and frees guest memory last.
#pragma once
#include "vmm/base/unique_fd.h"
#include "vmm/devices/bus.h"
#include "vmm/devices/interrupt_line.h"
#include "vmm/devices/serial_8250.h"
#include "vmm/devices/stop_request.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/vm_fd.h"
#include "vmm/memory/guest_memory.h"
#include "vmm/vcpu/vcpu.h"

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace vmm {

/// How a VM run ended.
struct VmOutcome {
    std::optional<StopReason> reason; ///< Empty when a signal to partvm ended it.
    int signal { 0 }; ///< The host signal, when reason is empty.
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
    std::vector<std::unique_ptr<Vcpu>>& vcpus() { return m_vcpus; }

    /// Starts every vCPU and blocks until the guest stops or SIGINT/SIGTERM/SIGHUP arrives (the
    /// caller must have blocked those in every thread). Stops and joins the vCPUs before returning.
    VmOutcome run();

    void request_stop(StopReason reason) override;

private:
    void stop_vcpus();

    Kvm m_kvm;
    VmFd m_vm_fd;
    GuestMemory m_memory;
    std::vector<std::unique_ptr<InterruptLine>> m_irq_lines; // Outlive the devices on the bus.
    IoBus m_io_bus;
    std::shared_ptr<Serial8250> m_serial;
    UniqueFd m_stop_event; // eventfd written once by request_stop().
    std::atomic<int> m_stop_reason { -1 };
    std::vector<std::unique_ptr<Vcpu>> m_vcpus; // Last: destroyed first.
};

} // namespace vmm
