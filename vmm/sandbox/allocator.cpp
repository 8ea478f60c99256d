// SPDX-License-Identifier: Apache-2.0
#include "vmm/sandbox/allocator.h"

#include <climits>
#include <malloc.h>

namespace vmm {

void prepare_allocator_for_fences()
{
    // A fixed arena count: otherwise glibc reads /sys/devices/system/cpu/online the first time
    // each thread allocates, which neither the seccomp filters nor the jail allow.
    ::mallopt(M_ARENA_MAX, 4);
    // No trimming of a thread arena's heap: the first time one shrinks after a large free, glibc
    // opens /proc/sys/vm/overcommit_memory (check_may_shrink_heap() in its Linux
    // malloc-sysdep.h), so a guest that made the VMBus thread allocate and free in bulk (GPADLs)
    // killed the VMM with SIGSYS. Freed memory stays for reuse instead; what a guest can make the
    // VMM hold is bounded where it is allocated. Heaps that empty entirely are still unmapped.
    ::mallopt(M_TRIM_THRESHOLD, INT_MAX);
}

} // namespace vmm
