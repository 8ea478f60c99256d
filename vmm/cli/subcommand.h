// SPDX-License-Identifier: Apache-2.0
// Internal to partvm_cli: the interface each subcommand implements, one file per subcommand
// (boot_command.cpp). Adding `partvm run` means a run_command.cpp, a make_run_command() here and
// one line in cli.cpp.
#pragma once
#include "vmm/cli/cli.h"
#include "vmm/config/vm_config.h"

#include <iosfwd>
#include <memory>
#include <span>

namespace CLI {
class App;
}

namespace vmm::cli {

class Subcommand {
public:
    virtual ~Subcommand() = default;

    /// Adds the subcommand and its flags to app and returns it. The flags are stored in this
    /// object, which must outlive parsing. May throw CLI::Error (a bug in the flag definitions);
    /// parse_cli() calls it inside its try block.
    virtual CLI::App* add_to(CLI::App& app) = 0;

    /// Called after argv parsed cleanly and named this subcommand: builds the request, or prints
    /// every problem to err and returns exit_usage_error. Must not throw.
    virtual CliOutcome finish(std::ostream& err) = 0;
};

std::unique_ptr<Subcommand> make_boot_command();
/// `partvm run`: the VM flags of boot (--initrd named --rootfs, with defaults) plus the command's.
std::unique_ptr<Subcommand> make_run_command();
/// `partvm check [--json]`.
std::unique_ptr<Subcommand> make_check_command();

/// Prints one "partvm: <error>" line per error.
void print_errors(std::ostream& err, std::span<const ConfigError> errors);

} // namespace vmm::cli
