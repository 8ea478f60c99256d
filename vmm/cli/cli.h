// SPDX-License-Identifier: Apache-2.0
// partvm's command line: `partvm [--help] [--version] <subcommand> [flags]`. parse_cli() turns argv
// into a request for main() to carry out, or into an exit code once it has printed help, the
// version or the errors. CLI11 and its exceptions stay inside vmm/cli.
#pragma once
#include "base/log.h"
#include "vmm/config/thread_kind.h"
#include "vmm/config/vm_config.h"

#include <optional>

#include <iosfwd>
#include <string>
#include <variant>
#include <vector>

namespace vmm {

/// Exit status for usage and configuration errors: reported before any KVM work
/// (docs/conventions.md#errors).
inline constexpr int exit_usage_error = 2;

/// How the VMM process is fenced in (vmm/sandbox).
struct Fencing {
    bool seccomp { true }; ///< --no-seccomp turns the filters off, for debugging.
    /// --test-forbidden-syscall KIND (hidden, tests only): that thread kind breaks its filter.
    std::optional<ThreadKind> forbidden_syscall_test;
};

/// `partvm boot`: start one VM.
struct BootRequest {
    VmConfig config; ///< The --config file with the flags applied on top; validate() passed.
    LogLevel log_level { LogLevel::Warn };
    Fencing fencing;
    std::string stats_path; ///< --stats FILE: boot timing and KVM exit counts (perf/boot).
};

/// `partvm run`: start one VM, run a command in it through the guest agent.
struct RunRequest {
    VmConfig config; ///< --rootfs is config.boot.initrd.
    LogLevel log_level { LogLevel::Warn };
    std::vector<std::string> command; ///< argv in the guest; never empty.
    std::vector<std::string> env; ///< NAME=value
    std::string workdir;
    std::string user;
    uint32_t timeout_s { 0 }; ///< 0: none.
    uint32_t agent_timeout_s { 60 };
    bool stdin_open { false }; ///< -i
    bool tty { false }; ///< -t
    Fencing fencing;
    bool jail { true }; ///< As root, start the VMM through partvm-jailer; --no-jail says not to.
};

/// `partvm check`: report what this host offers partvm.
struct CheckRequest {
    bool json { false }; ///< --json: machine-readable output.
};

/// What main() does next. Each new subcommand adds its request type to the variant.
struct CliOutcome {
    /// An exit code (0 after help or version, 2 after errors) or a request to carry out.
    std::variant<int, BootRequest, RunRequest, CheckRequest> action;

    bool should_exit() const { return std::holds_alternative<int>(action); }
    /// Precondition: should_exit().
    int exit_code() const { return *std::get_if<int>(&action); }
};

/// Parses argv (argv[0] is the program name and is ignored). Help and version text go to out;
/// each problem goes to err as one line starting "partvm: ". Never throws.
CliOutcome parse_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

/// parse_cli() with std::cout and std::cerr, for main().
CliOutcome parse_cli(int argc, char** argv);

} // namespace vmm
