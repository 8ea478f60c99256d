// SPDX-License-Identifier: Apache-2.0
// What each kind of VMM thread may call once the guest runs: plain data, so tests can count and
// read it, and seccomp_filter.cpp turns it into a filter. Anything else kills the process.
#pragma once
#include "vmm/config/thread_kind.h"

#include <cstdint>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace vmm {

/// One condition on a syscall argument.
struct ArgCheck {
    enum class Op {
        Equal, ///< argument == value
        MaskedZero, ///< (argument & value) == 0, e.g. no PROT_EXEC
    };
    unsigned index;
    Op op;
    uint64_t value;
};

/// One allowed syscall: with any arguments when `variants` is empty, else when every check of at
/// least one variant holds.
struct AllowedSyscall {
    int number;
    std::vector<std::vector<ArgCheck>> variants;
    std::string_view caller; ///< Who needs it, for the reader of a SIGSYS report.
};

/// The allowlist of `kind`. `pid` is the VMM's own, so tgkill reaches only its own threads.
std::vector<AllowedSyscall> syscall_allowlist(ThreadKind kind, pid_t pid);

} // namespace vmm
