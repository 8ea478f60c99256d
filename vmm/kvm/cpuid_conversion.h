// SPDX-License-Identifier: Apache-2.0
// Converts between KVM's kvm_cpuid2 and partvm's CpuidTable. Internal to vmm/kvm.
#pragma once
#include "vmm/kvm/cpuid_entry.h"

#include <cstddef>
#include <linux/kvm.h>
#include <memory>

namespace vmm {

inline CpuidTable from_kvm_cpuid(const kvm_cpuid2& cpuid)
{
    CpuidTable table;
    table.reserve(cpuid.nent);
    for (uint32_t i = 0; i < cpuid.nent; ++i) {
        const auto& e = cpuid.entries[i];
        table.push_back({ e.function, e.index, e.flags, e.eax, e.ebx, e.ecx, e.edx });
    }
    return table;
}

/// Storage for a kvm_cpuid2 with its trailing entries; the pointer stays valid with the buffer.
struct KvmCpuidBuffer {
    std::unique_ptr<std::byte[]> storage;
    kvm_cpuid2* cpuid { nullptr };
};

inline KvmCpuidBuffer to_kvm_cpuid(const CpuidTable& table)
{
    KvmCpuidBuffer buffer;
    buffer.storage = std::make_unique<std::byte[]>(sizeof(kvm_cpuid2)
                                                   + table.size() * sizeof(kvm_cpuid_entry2));
    // SAFETY: the buffer holds the header and exactly table.size() entries.
    buffer.cpuid = reinterpret_cast<kvm_cpuid2*>(buffer.storage.get());
    buffer.cpuid->nent = static_cast<uint32_t>(table.size());
    for (size_t i = 0; i < table.size(); ++i) {
        const auto& e = table[i];
        buffer.cpuid->entries[i] = kvm_cpuid_entry2 { .function = e.function,
                                                      .index = e.index,
                                                      .flags = e.flags,
                                                      .eax = e.eax,
                                                      .ebx = e.ebx,
                                                      .ecx = e.ecx,
                                                      .edx = e.edx,
                                                      .padding = {} };
    }
    return buffer;
}

} // namespace vmm
