// SPDX-License-Identifier: Apache-2.0
#include "vmm/vcpu/vcpu.h"
#include "base/log.h"
#include "vmm/hyperv/synic.h"

#include <chrono>
#include <csignal>
#include <fmt/core.h>
#include <linux/kvm.h>

namespace vmm {

namespace {

// A real-time signal: never used by libc, and queued rather than merged.
int kick_signal()
{
    return SIGRTMIN + 1;
}

void on_kick(int)
{
}

} // namespace

void Vcpu::install_kick_handler()
{
    struct sigaction action { };
    action.sa_handler = on_kick;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // No SA_RESTART: KVM_RUN must return EINTR.
    ::sigaction(kick_signal(), &action, nullptr);
}

void Vcpu::start(std::function<void()> on_thread_start)
{
    m_thread = std::thread([this, on_thread_start = std::move(on_thread_start)] {
        m_handle = pthread_self();
        ::pthread_setname_np(m_handle, fmt::format("vcpu{}", m_fd.id()).c_str()); // In SIGSYS logs.
        m_started.store(true, std::memory_order_release);
        m_started.notify_all();
        if (on_thread_start) {
            on_thread_start();
        }
        run_loop();
    });
    m_started.wait(false, std::memory_order_acquire);
}

void Vcpu::kick()
{
    m_stopping.store(true, std::memory_order_release);
    // immediate_exit first: a kick that lands just before KVM_RUN still makes it return at once.
    m_fd.set_immediate_exit(true);
    if (m_started.load(std::memory_order_acquire) && m_thread.joinable()) {
        ::pthread_kill(m_handle, kick_signal());
    }
}

void Vcpu::join()
{
    if (m_thread.joinable()) {
        kick();
        m_thread.join();
    }
}

void Vcpu::run_loop()
{
    m_first_run_ns.store(std::chrono::steady_clock::now().time_since_epoch().count(),
        std::memory_order_release); // For the boot breakdown (partvm boot --stats).
    while (!m_stopping.load(std::memory_order_acquire)) {
        auto result = m_fd.run();
        if (!result) {
            if (result.error().sys_errno == EINTR || result.error().sys_errno == EAGAIN) {
                continue; // A kick, or a signal meant for someone else; the loop re-checks.
            }
            LOG_ERROR("vCPU {}: {}", m_fd.id(), result.error().message());
            m_stop.request_stop(StopReason::Failure);
            return;
        }
        if (!handle_exit()) {
            return;
        }
    }
}

void Vcpu::handle_io()
{
    kvm_run& run = m_fd.run_state();
    const size_t length = size_t(run.io.size) * run.io.count;
    // SAFETY: KVM places the data inside the kvm_run mapping at data_offset; size is 1, 2 or 4.
    auto* data = reinterpret_cast<uint8_t*>(&run) + run.io.data_offset;
    for (size_t done = 0; done < length; done += run.io.size) {
        std::span<uint8_t> chunk(data + done, run.io.size);
        if (run.io.direction == KVM_EXIT_IO_OUT) {
            m_bus.write(run.io.port, chunk);
        } else {
            m_bus.read(run.io.port, chunk);
        }
    }
}

bool Vcpu::handle_exit()
{
    kvm_run& run = m_fd.run_state();
    switch (run.exit_reason) {
    case KVM_EXIT_IO:
        handle_io();
        return true;
    case KVM_EXIT_MMIO:
        // Nothing lives in MMIO space outside the in-kernel irqchip: reads see all-ones.
        if (!run.mmio.is_write) {
            std::fill(std::begin(run.mmio.data), std::end(run.mmio.data), uint8_t(0xff));
        }
        return true;
    case KVM_EXIT_HYPERV:
        hyperv::handle_hyperv_exit(run, m_fd.id(), m_memory, m_ports, m_handler);
        return true;
    case KVM_EXIT_INTR:
        return true;
    case KVM_EXIT_SHUTDOWN:
        // A triple fault: what Linux's last-resort reboot does.
        m_stop.request_stop(StopReason::Reset);
        return false;
    case KVM_EXIT_SYSTEM_EVENT:
        switch (run.system_event.type) {
        case KVM_SYSTEM_EVENT_SHUTDOWN:
            m_stop.request_stop(StopReason::PowerOff);
            return false;
        case KVM_SYSTEM_EVENT_RESET:
            m_stop.request_stop(StopReason::Reset);
            return false;
        case KVM_SYSTEM_EVENT_CRASH:
            m_stop.request_stop(StopReason::Crash);
            return false;
        default:
            return true;
        }
    case KVM_EXIT_FAIL_ENTRY:
        LOG_ERROR("vCPU {}: VM entry failed (reason {:#x})", m_fd.id(),
            run.fail_entry.hardware_entry_failure_reason);
        m_stop.request_stop(StopReason::Failure);
        return false;
    case KVM_EXIT_INTERNAL_ERROR:
        LOG_ERROR("vCPU {}: KVM internal error (suberror {})", m_fd.id(), run.internal.suberror);
        m_stop.request_stop(StopReason::Failure);
        return false;
    default:
        LOG_ERROR("vCPU {}: unexpected KVM exit reason {}", m_fd.id(), run.exit_reason);
        m_stop.request_stop(StopReason::Failure);
        return false;
    }
}

} // namespace vmm
