// SPDX-License-Identifier: Apache-2.0
// partvm's entry point: parse the command line, build the VM, run it, map how it ended to an exit
// status (see exit_status.h).
#include "base/log.h"
#include "base/stop_signals.h"
#include "vmm/cli/cli.h"
#include "vmm/run/run_command.h"
#include "vmm/sandbox/allocator.h"
#include "vmm/vm/boot_stats.h"
#include "vmm/vm/builder.h"
#include "vmm/vm/check_command.h"
#include "vmm/vm/stop_exit.h"

#include <csignal>
#include <fmt/core.h>
#include <pthread.h>

using namespace vmm;

namespace {

/// Blocks the signals Vm::run() waits for, before any thread exists, so every thread inherits the
/// mask and only the signalfd sees them.
void block_stop_signals()
{
    const sigset_t signals = stop_signals();
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

int run_boot(const BootRequest& request, std::chrono::steady_clock::time_point started)
{
    set_log_level(request.log_level);
    Vcpu::install_kick_handler();
    BootTimeline timeline(started);
    auto built = build_vm(request.config, &timeline);
    if (!built) {
        fmt::print(stderr, "partvm: {}\n", built.error().message);
        return built.error().kind == BuildError::Kind::BadInput ? exit_usage : exit_vm_failure;
    }
    auto& vm = *built;
    vm->set_shutdown_timeout(std::chrono::seconds(request.config.machine.shutdown_timeout_s));
    if (!request.fencing.seccomp) {
        fmt::print(stderr,
            "partvm: warning: --no-seccomp: the VMM runs without its seccomp filters; a guest "
            "that escapes KVM meets no syscall fence. Use it for debugging only.\n");
    }
    std::optional<BootStats> stats;
    if (!request.stats_path.empty()) {
        auto prepared = BootStats::prepare(request.stats_path, *vm, std::move(timeline));
        if (!prepared) {
            fmt::print(stderr, "partvm: {}: {}\n", request.stats_path, prepared.error().message());
            return exit_usage;
        }
        stats = std::move(prepared).value();
    }
    vm->set_sandbox(std::make_unique<Sandbox>(Sandbox::Options {
        .seccomp = request.fencing.seccomp,
        .forbidden_syscall_test = request.fencing.forbidden_syscall_test,
    }));
    const VmOutcome outcome = vm->run();
    report_outcome(outcome);
    if (stats) {
        stats->write(*vm);
    }
    return outcome.reason ? exit_for_stop(*outcome.reason) : exit_for_signal(outcome.signal);
}

/// Thread stacks of 1 MiB instead of 8: a stack smaller than a huge page never gets one, while with
/// transparent huge pages "always" each default stack has a 2 MiB page zeroed (and kept resident)
/// when its thread starts. Our threads run shallow loops (KVM_RUN, io_uring) with no recursion.
void use_small_thread_stacks()
{
    constexpr size_t stack_size = 1 << 20;
    pthread_attr_t attr;
    if (::pthread_getattr_default_np(&attr) != 0) {
        return;
    }
    ::pthread_attr_setstacksize(&attr, stack_size);
    ::pthread_setattr_default_np(&attr);
    ::pthread_attr_destroy(&attr);
}

} // namespace

int main(int argc, char** argv)
{
    const auto started = std::chrono::steady_clock::now();
    prepare_allocator_for_fences();
    // First thing: in a jail partvm is PID 1 of its namespace, where a stop signal that is
    // neither blocked nor handled is dropped rather than delivered.
    block_stop_signals();
    use_small_thread_stacks();
    CliOutcome cli = parse_cli(argc, argv);
    if (cli.should_exit()) {
        return cli.exit_code();
    }
    if (const auto* run = std::get_if<RunRequest>(&cli.action)) {
        return run_command(*run);
    }
    if (const auto* check = std::get_if<CheckRequest>(&cli.action)) {
        return check_host(*check);
    }
    return run_boot(std::get<BootRequest>(cli.action), started);
}
