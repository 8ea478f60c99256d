// SPDX-License-Identifier: Apache-2.0
// Puts every VMM thread in its seccomp box before the guest runs. Worker threads (vCPUs, the I/O
// loop) install their filter first thing and then wait at a gate; the control thread opens the
// gate once its own filter is in, so no guest instruction runs while any thread is unfenced.
#pragma once
#include "vmm/config/thread_kind.h"

#include <atomic>
#include <optional>

namespace vmm {

class Sandbox {
public:
    struct Options {
        bool seccomp { true }; ///< false: --no-seccomp, for debugging only.
        /// Test only: the first thread of this kind makes a forbidden syscall once fenced.
        std::optional<ThreadKind> forbidden_syscall_test;
    };

    explicit Sandbox(Options options);

    /// First thing on a vCPU or I/O thread: fence it, then wait for the control thread.
    void enter_worker(ThreadKind kind);
    /// On the control thread once the workers are started: fence it and open the gate.
    void enter_control();

private:
    void fence(ThreadKind kind);

    Options m_options;
    std::atomic<bool> m_gate_open { false };
    std::atomic<bool> m_test_fired { false };
};

} // namespace vmm
