// SPDX-License-Identifier: Apache-2.0
// The kinds of VMM thread, each fenced by its own seccomp allowlist.
#pragma once
#include <optional>
#include <string_view>

namespace vmm {

enum class ThreadKind {
    Vcpu, ///< Runs one vCPU: KVM_RUN and its exits.
    Io, ///< The VMBus event loop: io_uring, channel eventfds, vsock sockets.
    Control, ///< The main thread: signals, the stop event, and the teardown.
};

inline constexpr ThreadKind all_thread_kinds[]
    = { ThreadKind::Vcpu, ThreadKind::Io, ThreadKind::Control };

constexpr std::string_view to_string(ThreadKind kind)
{
    switch (kind) {
    case ThreadKind::Vcpu:
        return "vcpu";
    case ThreadKind::Io:
        return "io";
    case ThreadKind::Control:
        return "control";
    }
    return "?";
}

inline std::optional<ThreadKind> thread_kind_from(std::string_view name)
{
    for (ThreadKind kind : all_thread_kinds) {
        if (to_string(kind) == name) {
            return kind;
        }
    }
    return std::nullopt;
}

} // namespace vmm
