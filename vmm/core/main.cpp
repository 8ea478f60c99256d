// SPDX-License-Identifier: Apache-2.0
// partvm's entry point: parse the command line, build the VM, run it, map how it ended to an exit
// status (see exit_status.h).
#include "vmm/base/log.h"
#include "vmm/cli/cli.h"
#include "vmm/core/builder.h"
#include "vmm/core/exit_status.h"
#include "vmm/core/run_command.h"

#include <csignal>
#include <fmt/core.h>

using namespace vmm;

namespace {

/// Blocks the signals Vm::run() waits for, before any thread exists, so every thread inherits the
/// mask and only the signalfd sees them.
void block_stop_signals()
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void report_outcome(const VmOutcome& outcome)
{
    if (!outcome.reason) {
        LOG_INFO("stopped by signal {}", outcome.signal);
        return;
    }
    switch (*outcome.reason) {
    case StopReason::PowerOff:
        if (outcome.signal != 0) {
            LOG_INFO("guest shut down as signal {} asked", outcome.signal);
        } else {
            LOG_INFO("guest powered off");
        }
        break;
    case StopReason::Reset:
        fmt::print(stderr,
            "partvm: guest requested a reboot; the VM is stopped (partvm VMs do "
            "not restart)\n");
        break;
    case StopReason::Crash:
        fmt::print(stderr, "partvm: guest kernel panic; the VM is stopped\n");
        break;
    case StopReason::Failure:
        fmt::print(stderr, "partvm: the VM failed; see the errors above\n");
        break;
    }
}

int run_boot(const BootRequest& request)
{
    set_log_level(request.log_level);
    block_stop_signals();
    Vcpu::install_kick_handler();
    auto built = build_vm(request.config);
    if (auto* error = std::get_if<BuildError>(&built)) {
        fmt::print(stderr, "partvm: {}\n", error->message);
        return error->kind == BuildError::Kind::BadInput ? exit_usage : exit_vm_failure;
    }
    auto& vm = std::get<std::unique_ptr<Vm>>(built);
    vm->set_shutdown_timeout(std::chrono::seconds(request.config.machine.shutdown_timeout_s));
    const VmOutcome outcome = vm->run();
    report_outcome(outcome);
    return outcome.reason ? exit_for_stop(*outcome.reason) : exit_for_signal(outcome.signal);
}

} // namespace

int main(int argc, char** argv)
{
    CliOutcome cli = parse_cli(argc, argv);
    if (cli.should_exit()) {
        return cli.exit_code();
    }
    if (const auto* run = std::get_if<RunRequest>(&cli.action)) {
        return run_command(*run);
    }
    return run_boot(std::get<BootRequest>(cli.action));
}
