// SPDX-License-Identifier: Apache-2.0
// The jailer from checked options to exit status: host checks, cgroup leaf, jail directory, the
// jailed child, supervision, the report and the cleanup.
#pragma once
#include "jailer/options.h"

namespace jail {

/// Runs the VMM in its jail and returns partvm-jailer's exit status: the VMM's own, 128+N when
/// signal N killed it, 1 when the jailer failed, 2 for bad input found on the host (such as a
/// missing --exec-file). Every problem is reported on stderr as one "partvm-jailer: " line.
int run_jailer(Options options);

} // namespace jail
