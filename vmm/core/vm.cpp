// SPDX-License-Identifier: Apache-2.0
#include "vmm/core/vm.h"
#include "vmm/base/check.h"
#include "vmm/base/log.h"

#include <csignal>
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
    , m_stop_event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
    CHECK(m_stop_event.valid());
}

Vm::~Vm()
{
    stop_vcpus();
}

void Vm::request_stop(StopReason reason)
{
    int expected = -1;
    if (m_stop_reason.compare_exchange_strong(expected, static_cast<int>(reason))) {
        const uint64_t one = 1;
        CHECK(::write(m_stop_event.get(), &one, sizeof(one)) == sizeof(one));
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

VmOutcome Vm::run()
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    CHECK(signal_fd.valid());

    for (auto& vcpu : m_vcpus) {
        vcpu->start();
    }

    VmOutcome outcome;
    pollfd fds[2] = { { m_stop_event.get(), POLLIN, 0 }, { signal_fd.get(), POLLIN, 0 } };
    while (true) {
        if (::poll(fds, 2, -1) < 0) {
            CHECK(errno == EINTR);
            continue;
        }
        if (fds[0].revents & POLLIN) {
            outcome.reason = static_cast<StopReason>(m_stop_reason.load());
            break;
        }
        if (fds[1].revents & POLLIN) {
            signalfd_siginfo info {};
            if (::read(signal_fd.get(), &info, sizeof(info)) == sizeof(info)) {
                outcome.signal = static_cast<int>(info.ssi_signo);
                break;
            }
        }
    }
    stop_vcpus();
    return outcome;
}

} // namespace vmm
