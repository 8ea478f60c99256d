// SPDX-License-Identifier: Apache-2.0
#include "vmm/sandbox/sandbox.h"
#include "vmm/sandbox/seccomp_filter.h"

#include <fmt/core.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace vmm {

namespace {

/// What an attacker who took over the thread would try first: run a shell.
[[noreturn]] void attempt_forbidden_syscall(ThreadKind kind)
{
    const char* argv[] = { "/bin/sh", "-c", "exit 0", nullptr };
    const char* envp[] = { nullptr };
    ::syscall(SYS_execve, argv[0], argv, envp);
    fmt::print(stderr, "partvm: the {} thread's seccomp filter let execve through\n",
        to_string(kind));
    ::_exit(1);
}

} // namespace

Sandbox::Sandbox(Options options)
    : m_options(options)
{
    if (!m_options.seccomp) {
        m_gate_open = true;
    }
}

void Sandbox::fence(ThreadKind kind)
{
    if (!m_options.seccomp) {
        return;
    }
    if (auto installed = install_seccomp_filter(kind); !installed) {
        // Fail closed: a thread that cannot be fenced must not serve the guest.
        fmt::print(stderr, "partvm: cannot fence the {} thread: {}\n", to_string(kind),
            installed.error().message());
        ::_exit(1);
    }
    if (m_options.forbidden_syscall_test == kind && !m_test_fired.exchange(true)) {
        attempt_forbidden_syscall(kind);
    }
}

void Sandbox::enter_worker(ThreadKind kind)
{
    fence(kind);
    m_gate_open.wait(false, std::memory_order_acquire);
}

void Sandbox::enter_control()
{
    fence(ThreadKind::Control);
    m_gate_open.store(true, std::memory_order_release);
    m_gate_open.notify_all();
}

} // namespace vmm
