// SPDX-License-Identifier: Apache-2.0
// `partvm check [--json]`: no flags beyond the output format.
#include "vmm/cli/subcommand.h"

#include <CLI/CLI.hpp>

namespace vmm::cli {
namespace {

class CheckCommand final : public Subcommand {
public:
    CLI::App* add_to(CLI::App& app) override
    {
        CLI::App* check = app.add_subcommand("check",
            "Check that this host can run partvm VMs: KVM and its Hyper-V capabilities, cgroup v2 "
            "for the jail, TUN, huge pages. Exits 0 when partvm run works here as it is, 1 when "
            "not");
        check->add_flag("--json", m_json, "Print the report and the raw facts as JSON");
        return check;
    }

    CliOutcome finish(std::ostream&) override { return { CheckRequest { .json = m_json } }; }

private:
    bool m_json { false };
};

} // namespace

std::unique_ptr<Subcommand> make_check_command()
{
    return std::make_unique<CheckCommand>();
}

} // namespace vmm::cli
