// SPDX-License-Identifier: Apache-2.0
// What KVM answered about one capability partvm asks for. Plain data, free of <linux/kvm.h>, so
// the host check's decisions are tested on made-up answers.
#pragma once
#include <string_view>

namespace vmm {

enum class CapabilityNeed {
    Required, ///< No VM can be built without it.
    Optional, ///< A feature degrades or goes away without it.
};

struct CapabilityAnswer {
    std::string_view name; ///< The KVM_CAP_* name, as the kernel's api.rst spells it.
    std::string_view used_for; ///< What partvm uses it for, a few words.
    CapabilityNeed need { CapabilityNeed::Required };
    int value { 0 }; ///< KVM_CHECK_EXTENSION's answer: 0 when absent.

    bool present() const { return value > 0; }
};

} // namespace vmm
