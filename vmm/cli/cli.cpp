// SPDX-License-Identifier: Apache-2.0
// The top-level `partvm` app: global flags, the subcommand list, and the one place where CLI11's
// exceptions are caught and turned into exit codes.
#include "vmm/cli/cli.h"

#include "vmm/cli/subcommand.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#ifndef PARTVM_VERSION
#define PARTVM_VERSION "0.0.0-dev"
#endif

namespace vmm {
namespace {

/// "partvm boot" if argv got as far as naming the subcommand, else "partvm": whose --help to
/// point the user at.
std::string command_path(const CLI::App& app, const std::vector<CLI::App*>& subcommands)
{
    for (const CLI::App* subcommand : subcommands) {
        if (subcommand->parsed()) {
            return app.get_name() + " " + subcommand->get_name();
        }
    }
    return app.get_name();
}

} // namespace

namespace cli {

void print_errors(std::ostream& err, std::span<const ConfigError> errors)
{
    for (const ConfigError& error : errors) {
        err << "partvm: " << error.to_string() << '\n';
    }
}

} // namespace cli

CliOutcome parse_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err)
{
    CLI::App app("partvm runs Linux guests in KVM microVMs.", "partvm");
    app.set_version_flag("--version", "partvm " PARTVM_VERSION);
    app.require_subcommand(1);

    std::vector<std::unique_ptr<cli::Subcommand>> subcommands;
    subcommands.push_back(cli::make_boot_command());
    subcommands.push_back(cli::make_run_command());
    subcommands.push_back(cli::make_check_command());

    std::vector<CLI::App*> apps;
    try {
        for (auto& subcommand : subcommands) {
            apps.push_back(subcommand->add_to(app));
        }
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
            // --help, --help-all or --version: CLI11 prints the text for the right subcommand.
            return { app.exit(error, out, err) };
        }
        // CLI11 has its own exit code per error kind; to scripts all of them are usage errors.
        err << "partvm: " << error.what() << '\n';
        err << "partvm: run '" << command_path(app, apps) << " --help' for usage\n";
        return { exit_usage_error };
    } catch (const CLI::Error& error) {
        // A CLI::ConstructionError means our flag definitions are wrong, not the user's input.
        err << "partvm: internal error in the flag definitions: " << error.what() << '\n';
        return { 1 };
    }

    for (size_t i = 0; i < apps.size(); ++i) {
        if (apps[i]->parsed()) {
            return subcommands[i]->finish(err);
        }
    }
    // Unreachable: require_subcommand(1) makes CLI11 reject argv without a subcommand.
    err << "partvm: no subcommand given\n";
    return { exit_usage_error };
}

CliOutcome parse_cli(int argc, char** argv)
{
    return parse_cli(argc, argv, std::cout, std::cerr);
}

} // namespace vmm
