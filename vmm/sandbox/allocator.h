// SPDX-License-Identifier: Apache-2.0
// glibc's malloc, set up so that nothing it does on its own leaves the threads' seccomp
// allowlists, whatever a guest makes the VMM allocate and free.
#pragma once

namespace vmm {

/// Call first thing in main(), before any thread exists.
void prepare_allocator_for_fences();

} // namespace vmm
