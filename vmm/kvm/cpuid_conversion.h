// SPDX-License-Identifier: Apache-2.0
// Converts between KVM's kvm_cpuid2 buffers and partvm's CpuidTable. Internal to vmm/kvm.
#pragma once
#include "vmm/kvm/cpuid_entry.h"
#include "vmm/kvm/kvm_flex.h"

namespace vmm {

using KvmCpuidBuffer = kvm_abi::FlexBuffer<kvm_abi::Cpuid2Header, kvm_cpuid_entry2>;

inline CpuidTable from_kvm_cpuid(const KvmCpuidBuffer& buffer)
{
    CpuidTable table;
    const uint32_t count = buffer.header().nent;
    table.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
        const auto e = buffer.entry(i);
        table.push_back({ e.function, e.index, e.flags, e.eax, e.ebx, e.ecx, e.edx });
    }
    return table;
}

inline KvmCpuidBuffer to_kvm_cpuid(const CpuidTable& table)
{
    KvmCpuidBuffer buffer(table.size());
    buffer.set_header({ .nent = static_cast<uint32_t>(table.size()), .padding = 0 });
    for (size_t i = 0; i < table.size(); ++i) {
        const auto& e = table[i];
        buffer.set_entry(i,
            kvm_cpuid_entry2 { .function = e.function,
                .index = e.index,
                .flags = e.flags,
                .eax = e.eax,
                .ebx = e.ebx,
                .ecx = e.ecx,
                .edx = e.edx,
                .padding = {} });
    }
    return buffer;
}

} // namespace vmm
