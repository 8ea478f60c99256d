// SPDX-License-Identifier: Apache-2.0
// Named instants of the VMM's own start-up, so `partvm boot --stats` can say where the time before
// the guest's first instruction went (perf/boot's "VMM start to first KVM_RUN" breakdown).
#pragma once
#include <chrono>
#include <vector>

namespace vmm {

class BootTimeline {
public:
    using Clock = std::chrono::steady_clock;
    struct Mark {
        const char* phase; ///< The step that just ended, e.g. "kernel_and_initrd_loaded".
        Clock::time_point at;
    };

    explicit BootTimeline(Clock::time_point started)
        : m_started(started)
    {
    }
    void mark(const char* phase) { m_marks.push_back({ phase, Clock::now() }); }
    Clock::time_point started() const { return m_started; }
    const std::vector<Mark>& marks() const { return m_marks; }

private:
    Clock::time_point m_started;
    std::vector<Mark> m_marks;
};

} // namespace vmm
