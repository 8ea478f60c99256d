// SPDX-License-Identifier: Apache-2.0
// One CPUID leaf as partvm composes it; kept free of <linux/kvm.h> so CPUID policy is pure code.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

namespace vmm {

struct CpuidEntry {
    uint32_t function { 0 };
    uint32_t index { 0 };
    uint32_t flags { 0 }; ///< KVM_CPUID_FLAG_SIGNIFCANT_INDEX (1) when `index` matters.
    uint32_t eax { 0 };
    uint32_t ebx { 0 };
    uint32_t ecx { 0 };
    uint32_t edx { 0 };
};

using CpuidTable = std::vector<CpuidEntry>;

/// The entry for (function, index), ignoring index where the entry says it does not matter.
inline CpuidEntry* find_leaf(CpuidTable& table, uint32_t function, uint32_t index = 0)
{
    for (auto& entry : table) {
        if (entry.function == function && (!(entry.flags & 1) || entry.index == index)) {
            return &entry;
        }
    }
    return nullptr;
}

inline const CpuidEntry* find_leaf(const CpuidTable& table, uint32_t function, uint32_t index = 0)
{
    return find_leaf(const_cast<CpuidTable&>(table), function, index);
}

} // namespace vmm
