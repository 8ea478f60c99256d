// SPDX-License-Identifier: Apache-2.0
// The child's last steps before exec: resource limits, closing inherited fds, giving up every
// capability and the root ids for good, and tying its life to the jailer's.
#pragma once
#include "jailer/error.h"
#include "jailer/specs.h"

#include <cstdint>
#include <span>

namespace jail {

/// setrlimit(soft = hard = value) for each; while still root, so hard limits may also rise.
Result<void> apply_rlimits(std::span<const RlimitSetting> limits);

/// Closes every fd above 2 except `keep` (the CLOEXEC setup-report pipe, which exec closes).
Result<void> close_fds_except(int keep);

/// Empties the bounding set, drops supplementary groups, switches to uid:gid (real, effective and
/// saved), clears the ambient and inheritable sets, and then checks that capget and the bounding
/// set show no capability at all; any leftover is an error (the child then never execs).
Result<void> drop_privileges(uint32_t uid, uint32_t gid);

/// PR_SET_NO_NEW_PRIVS (no setuid or file-capability gains across exec), and SIGKILL when the
/// jailer dies (set after the uid change, which clears it).
Result<void> lock_privileges();

} // namespace jail
