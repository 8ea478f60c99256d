// SPDX-License-Identifier: Apache-2.0
#include "jailer/privileges.h"

#include <csignal>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace jail {
namespace {

/// glibc does not wrap capget/capset (libcap does); three 64-bit sets in two u32 halves.
struct CapSets {
    __user_cap_header_struct header { _LINUX_CAPABILITY_VERSION_3, 0 };
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] {};
};

Result<void> clear_bounding_set()
{
    // PR_CAPBSET_READ fails with EINVAL past the kernel's last capability.
    for (int cap = 0; ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; ++cap) {
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            return JailError::from_errno("PR_CAPBSET_DROP " + std::to_string(cap));
        }
    }
    return {};
}

Result<void> verify_no_capabilities()
{
    CapSets caps;
    if (::syscall(SYS_capget, &caps.header, caps.data) < 0) {
        return JailError::from_errno("capget");
    }
    for (const auto& half : caps.data) {
        if (half.effective || half.permitted || half.inheritable) {
            return JailError::failure(
                "capabilities remain after dropping them; not starting the VMM");
        }
    }
    for (int cap = 0;; ++cap) {
        const int in_set = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (in_set < 0) {
            break;
        }
        if (in_set > 0) {
            return JailError::failure(
                "capability " + std::to_string(cap) + " is still in the bounding set");
        }
    }
    return {};
}

} // namespace

Result<void> apply_rlimits(std::span<const RlimitSetting> limits)
{
    for (const RlimitSetting& limit : limits) {
        const rlimit value { limit.value, limit.value };
        if (::setrlimit(static_cast<__rlimit_resource>(limit.resource), &value) < 0) {
            return JailError::from_errno(
                "--rlimit " + limit.name + "=" + std::to_string(limit.value));
        }
    }
    return {};
}

Result<void> close_fds_except(int keep)
{
    if (keep > 3 && ::close_range(3, keep - 1, 0) < 0) {
        return JailError::from_errno("close_range");
    }
    if (::close_range(std::max(keep + 1, 3), ~0U, 0) < 0) {
        return JailError::from_errno("close_range");
    }
    return {};
}

Result<void> drop_privileges(uint32_t uid, uint32_t gid)
{
    // Needs CAP_SETPCAP, so before the uid change.
    TRY(clear_bounding_set());
    if (::setgroups(0, nullptr) < 0) {
        return JailError::from_errno("setgroups(0)");
    }
    if (::setresgid(gid, gid, gid) < 0) {
        return JailError::from_errno("setresgid " + std::to_string(gid));
    }
    // With every uid non-zero the kernel clears the permitted and effective sets.
    if (::setresuid(uid, uid, uid) < 0) {
        return JailError::from_errno("setresuid " + std::to_string(uid));
    }
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
        return JailError::from_errno("PR_CAP_AMBIENT_CLEAR_ALL");
    }
    // The uid change leaves the inheritable set alone; lowering it needs no privilege.
    CapSets none;
    if (::syscall(SYS_capset, &none.header, none.data) < 0) {
        return JailError::from_errno("capset (clear all)");
    }
    return verify_no_capabilities();
}

Result<void> lock_privileges()
{
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        return JailError::from_errno("PR_SET_NO_NEW_PRIVS");
    }
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
        return JailError::from_errno("PR_SET_PDEATHSIG");
    }
    return {};
}

} // namespace jail
