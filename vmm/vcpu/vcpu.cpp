// SPDX-License-Identifier: Apache-2.0
#include "vmm/vcpu/vcpu.h"
#include "base/log.h"

#include <chrono>
#include <csignal>
#include <fmt/core.h>

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
            m_exits.stop.request_stop(StopReason::Failure);
            return;
        }
        if (dispatch_exit(m_fd.run_state(), m_exits) == ExitAction::Stop) {
            return;
        }
    }
}

} // namespace vmm
