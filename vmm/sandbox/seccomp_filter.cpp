// SPDX-License-Identifier: Apache-2.0
#include "vmm/sandbox/seccomp_filter.h"
#include "base/scope_exit.h"
#include "vmm/sandbox/syscall_allowlist.h"

#include <seccomp.h>
#include <unistd.h>

namespace vmm {

namespace {

scmp_arg_cmp to_scmp(const ArgCheck& check)
{
    switch (check.op) {
    case ArgCheck::Op::Equal:
        return { check.index, SCMP_CMP_EQ, check.value, 0 };
    case ArgCheck::Op::MaskedZero:
        return { check.index, SCMP_CMP_MASKED_EQ, check.value, 0 };
    }
    return { check.index, SCMP_CMP_EQ, check.value, 0 };
}

Error seccomp_error(int negative_errno, const char* what)
{
    errno = -negative_errno;
    return Error::from_errno(what);
}

} // namespace

Result<void> install_seccomp_filter(ThreadKind kind)
{
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!filter) {
        return Error { Errc::System, ENOMEM, "seccomp_init" };
    }
    ScopeExit release([filter] { seccomp_release(filter); });
    for (const AllowedSyscall& rule : syscall_allowlist(kind, ::getpid())) {
        int error = 0;
        if (rule.variants.empty()) {
            error = seccomp_rule_add(filter, SCMP_ACT_ALLOW, rule.number, 0);
        }
        for (const auto& variant : rule.variants) {
            std::vector<scmp_arg_cmp> checks;
            for (const ArgCheck& check : variant) {
                checks.push_back(to_scmp(check));
            }
            error = seccomp_rule_add_array(
                filter, SCMP_ACT_ALLOW, rule.number, unsigned(checks.size()), checks.data());
            if (error < 0) {
                break;
            }
        }
        if (error < 0) {
            return seccomp_error(error, "seccomp_rule_add");
        }
    }
    if (int error = seccomp_load(filter); error < 0) {
        return seccomp_error(error, "seccomp_load");
    }
    return {};
}

} // namespace vmm
