// SPDX-License-Identifier: Apache-2.0
// Turns a thread kind's allowlist into a seccomp filter on the calling thread only (no TSYNC:
// each kind of thread gets its own). The default action kills the whole process with SIGSYS.
#pragma once
#include "base/result.h"
#include "vmm/config/thread_kind.h"

namespace vmm {

/// Sets no_new_privs and loads `kind`'s filter on this thread. Irreversible.
Result<void> install_seccomp_filter(ThreadKind kind);

} // namespace vmm
