// SPDX-License-Identifier: Apache-2.0
#include "vmm/vm/vm.h"
#include "base/check.h"
#include "base/eventfd.h"
#include "base/log.h"
#include "base/stop_signals.h"

#include <csignal>
#include <fmt/core.h>
#include <linux/kvm.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace vmm {

Vm::Vm(Kvm kvm, VmFd vm_fd, GuestMemory memory)
    : m_kvm(std::move(kvm))
    , m_vm_fd(std::move(vm_fd))
    , m_memory(std::move(memory))
    , m_stop_event(make_eventfd().value())
{
    CHECK(m_stop_event.valid());
}

Vm::~Vm()
{
    stop(); // The VMBus thread must be gone before the vsock service and devices it drives.
}

void Vm::request_stop(StopReason reason)
{
    int expected = -1;
    if (m_stop_reason.compare_exchange_strong(expected, static_cast<int>(reason))) {
        CHECK(signal_eventfd(m_stop_event.get()));
    }
}

void Vm::stop_vcpus()
{
    for (auto& vcpu : m_vcpus) {
        vcpu->kick();
    }
    for (auto& vcpu : m_vcpus) {
        const bool was_running = vcpu->running();
        vcpu->join();
        if (was_running && log_enabled(LogLevel::Debug)) {
            // Where each vCPU stopped: the first clue when a guest hangs.
            kvm_regs regs {};
            if (vcpu->fd().get_regs(regs)) {
                LOG_DEBUG(
                    "vCPU {} stopped at rip={:#x} rsp={:#x}", vcpu->fd().id(), regs.rip, regs.rsp);
            }
        }
    }
    if (m_serial) {
        m_serial->flush();
    }
}

int Vm::read_signal(int signal_fd)
{
    signalfd_siginfo info {};
    if (::read(signal_fd, &info, sizeof(info)) != sizeof(info)) {
        return 0;
    }
    return static_cast<int>(info.ssi_signo);
}

bool Vm::request_guest_shutdown()
{
    if (!m_vmbus || !m_shutdown_device) {
        return false;
    }
    // The VMBus thread answers in microseconds; only a stuck one takes this long, and then the
    // guest cannot be asked.
    constexpr std::chrono::seconds answer_within(2);
    return m_vmbus->call([this] { return m_shutdown_device->request_shutdown(); }, answer_within)
        .value_or(false);
}

VmOutcome Vm::run()
{
    const sigset_t signals = stop_signals(); // Blocked by main() in every thread.
    UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    CHECK(signal_fd.valid());

    start();

    using Clock = std::chrono::steady_clock;
    std::optional<Clock::time_point> shutdown_deadline; // Set while the guest shuts down.
    VmOutcome outcome;
    pollfd fds[2] = { { m_stop_event.get(), POLLIN, 0 }, { signal_fd.get(), POLLIN, 0 } };
    while (true) {
        int timeout_ms = -1;
        if (shutdown_deadline) {
            const auto left
                = std::chrono::ceil<std::chrono::milliseconds>(*shutdown_deadline - Clock::now());
            timeout_ms = int(std::max<int64_t>(left.count(), 0));
        }
        const int ready = ::poll(fds, 2, timeout_ms);
        if (ready < 0) {
            CHECK(errno == EINTR);
            continue;
        }
        if (fds[0].revents & POLLIN) {
            outcome.reason = stop_reason();
            break;
        }
        if (ready == 0 && shutdown_deadline) {
            fmt::print(stderr, "partvm: the guest did not shut down within {} s; stopping it\n",
                std::chrono::ceil<std::chrono::seconds>(m_shutdown_timeout).count());
            break; // outcome.signal holds the signal that asked for the shutdown.
        }
        if (fds[1].revents & POLLIN) {
            const int signal = read_signal(signal_fd.get());
            if (signal == 0) {
                continue;
            }
            const bool first = !shutdown_deadline;
            outcome.signal = signal;
            if (first && m_shutdown_timeout.count() > 0 && request_guest_shutdown()) {
                LOG_INFO("signal {}: asking the guest to shut down", signal);
                shutdown_deadline = Clock::now() + m_shutdown_timeout;
                continue;
            }
            break; // A second signal, no grace period, or a guest that cannot be asked.
        }
    }
    stop();
    return outcome;
}

void Vm::start()
{
    Sandbox* sandbox = m_sandbox.get();
    auto fence = [sandbox](ThreadKind kind) -> std::function<void()> {
        if (!sandbox) {
            return {};
        }
        return [sandbox, kind] { sandbox->enter_worker(kind); };
    };
    if (m_vmbus) {
        m_vmbus->start(fence(ThreadKind::Io));
    }
    for (auto& vcpu : m_vcpus) {
        vcpu->start(fence(ThreadKind::Vcpu));
    }
    if (sandbox) {
        sandbox->enter_control(); // Opens the gate: only now may the guest run.
    }
}

void Vm::stop()
{
    stop_vcpus();
    if (m_vmbus) {
        m_vmbus->stop();
    }
}

} // namespace vmm
