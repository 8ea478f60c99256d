// SPDX-License-Identifier: Apache-2.0
// Every KVM capability partvm relies on, asked of one /dev/kvm. The one list: the builder refuses
// a host lacking a required one, and `partvm check` reports them all.
#pragma once
#include "vmm/kvm/capability_answer.h"
#include "vmm/kvm/kvm.h"

#include <vector>

namespace vmm {

/// KVM_CHECK_EXTENSION for each capability partvm uses, required ones first, in a fixed order.
std::vector<CapabilityAnswer> query_capabilities(const Kvm& kvm);

} // namespace vmm
