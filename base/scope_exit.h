// SPDX-License-Identifier: Apache-2.0
// Runs a callable when the scope ends, unless dismissed.
#pragma once
#include <utility>

namespace vmm {

template<class F> class ScopeExit {
public:
    explicit ScopeExit(F f)
        : m_f(std::move(f))
    {
    }
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;
    ~ScopeExit()
    {
        if (m_armed) {
            m_f();
        }
    }
    void dismiss() { m_armed = false; }

private:
    F m_f;
    bool m_armed { true };
};

} // namespace vmm
