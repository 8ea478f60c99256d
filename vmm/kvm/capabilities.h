// SPDX-License-Identifier: Apache-2.0
// Every KVM capability partvm relies on, asked of one /dev/kvm. The one list: the builder refuses
// a host lacking a required one, and `partvm check` reports them all.
#pragma once
#include "vmm/kvm/kvm.h"

#include <string_view>
#include <vector>

namespace vmm {

/// One capability partvm asks for, and KVM_CHECK_EXTENSION's answer (0 when absent).
struct KvmCapability {
    std::string_view name; ///< The KVM_CAP_* name, as the kernel's api.rst spells it.
    std::string_view used_for; ///< What partvm uses it for, a few words.
    bool required { true }; ///< No VM can be built without it; else a feature goes away.
    int value { 0 };
};

/// KVM_CHECK_EXTENSION for each capability partvm uses, required ones first, in a fixed order.
std::vector<KvmCapability> query_capabilities(const Kvm& kvm);

} // namespace vmm
