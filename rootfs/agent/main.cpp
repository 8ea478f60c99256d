// SPDX-License-Identifier: Apache-2.0
// partvm-agent, the guest agent (docs/agent-protocol.md). As PID 1 (the initramfs's /init) it
// sets the system up, connects to the host over vsock, serves exec sessions until the host hangs
// up, then powers the VM off. Started any other way (by a distribution's init, or by tests) it
// only connects and serves, and exits when done.
//
//   partvm-agent [--cid C] [--port P]   connect to C:P (default 2:10000) and serve
//   partvm-agent --fd N                 serve on the already-connected stream socket N
#include "agent/init/boot_config.h"
#include "agent/init/root_plan.h"
#include "agent/init/switch_root.h"
#include "agent/init/system.h"
#include "agent/init/vsock.h"
#include "agent/protocol/limits.h"
#include "agent/server/server.h"
#include "agent/server/users.h"
#include "agent/sys/fd.h"
#include "agent/sys/log.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace agent;
using Clock = std::chrono::steady_clock;

/// How long the agent keeps trying to reach the host before it gives up (and, as PID 1, powers
/// off): the transport may need a moment after modprobe, the host listens before boot.
constexpr auto connect_patience = std::chrono::seconds(30);
// How long the command's start waits for the disks partvm.disks= announced: generous, since a
// probe normally takes milliseconds and a disk that never comes is a bug worth a log line.
constexpr int disk_wait_ms = 10'000;

struct Arguments {
    uint32_t cid { protocol::host_cid };
    uint32_t port { protocol::agent_vsock_port };
    int fd { -1 };
};

[[noreturn]] void usage()
{
    std::fprintf(stderr, "usage: partvm-agent [--cid CID] [--port PORT] | --fd FD\n");
    std::exit(2);
}

Arguments parse_arguments(int argc, char** argv)
{
    Arguments args;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (i + 1 >= argc) {
            usage();
        }
        const auto value = server::parse_id(argv[++i]);
        if (!value) {
            usage();
        }
        if (flag == "--cid") {
            args.cid = *value;
        } else if (flag == "--port") {
            args.port = *value;
        } else if (flag == "--fd") {
            args.fd = static_cast<int>(*value);
        } else {
            usage();
        }
    }
    return args;
}

[[noreturn]] void finish(bool pid1, init::PowerAction action, int exit_code)
{
    if (pid1) {
        init::power(action);
    }
    std::exit(exit_code);
}

/// Collects zombies while nobody else does (PID 1 before serve() starts).
void reap_all()
{
    while (::waitpid(-1, nullptr, WNOHANG) > 0) { }
}

/// Connects, retrying with backoff; stop signals and the deadline end the agent.
vmm::UniqueFd connect_with_retry(const Arguments& args, int signal_fd, bool pid1)
{
    const auto deadline = Clock::now() + connect_patience;
    auto delay = std::chrono::milliseconds(5);
    bool reported = false;
    while (true) {
        auto connection = init::connect_vsock(args.cid, args.port);
        if (connection) {
            return std::move(*connection);
        }
        if (!reported) {
            AGENT_LOG("%s; retrying", connection.error().message().c_str());
            reported = true;
        }
        if (Clock::now() >= deadline) {
            AGENT_LOG("cannot reach the host on vsock %u:%u; giving up", args.cid, args.port);
            finish(pid1, init::PowerAction::PowerOff, 1);
        }
        pollfd fd { .fd = signal_fd, .events = POLLIN, .revents = 0 };
        if (::poll(&fd, 1, static_cast<int>(delay.count())) > 0) {
            signalfd_siginfo info;
            while (::read(signal_fd, &info, sizeof info) == sizeof info) {
                const int signo = static_cast<int>(info.ssi_signo);
                if (signo != SIGCHLD) {
                    finish(pid1,
                        init::power_action_for(signo).value_or(init::PowerAction::PowerOff), 0);
                }
            }
            reap_all();
        }
        delay = std::min(delay * 2, std::chrono::milliseconds(250));
    }
}

} // namespace

int main(int argc, char** argv)
{
    const Arguments args = parse_arguments(argc, argv);
    const bool pid1 = ::getpid() == 1;
    const std::vector<int> stop_signals = pid1 ? std::vector<int> { SIGUSR1, SIGUSR2, SIGTERM }
                                               : std::vector<int> { SIGINT, SIGTERM };

    // Blocked from the first instant: a poweroff request during boot is kept, not lost.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (int signo : stop_signals) {
        sigaddset(&set, signo);
    }
    ::sigprocmask(SIG_BLOCK, &set, nullptr);

    if (pid1) {
        ::umask(022);
        (void)!::chdir("/");
        init::mount_filesystems();
        sys::ensure_std_fds(); // after /dev exists: without a console the kernel gave us none
        const auto config = init::parse_cmdline(server::read_small_file("/proc/cmdline"));
        init::set_hostname(config.hostname);
        init::bring_up_loopback();
        init::load_modules(config.modules_to_load());
        if (config.disks > 0) {
            (void)init::wait_for_disks(config.disks, disk_wait_ms);
        }
        // Commands must never run on the initramfs when the user asked for an image: without
        // its root the VM stops here, and partvm run reports a guest that never connected.
        if (!config.root.empty()
            && !init::switch_to_disk_root(init::plan_root(config.root),
                init::disk_fs_types(server::read_small_file("/proc/filesystems")))) {
            AGENT_LOG("no root filesystem on /dev/%s; powering off", config.root.c_str());
            finish(pid1, init::PowerAction::PowerOff, 1);
        }
    }

    vmm::UniqueFd connection;
    if (args.fd >= 0) {
        connection.reset(args.fd);
    } else {
        vmm::UniqueFd signals(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
        if (!signals.valid()) {
            AGENT_LOG_ERRNO("signalfd");
            finish(pid1, init::PowerAction::PowerOff, 1);
        }
        connection = connect_with_retry(args, signals.get(), pid1);
    }

    server::ServerOptions options;
    options.stop_signals = stop_signals;
    auto stop = server::serve(std::move(connection), options);
    if (!stop) {
        AGENT_LOG("%s", stop.error().message().c_str());
        finish(pid1, init::PowerAction::PowerOff, 1);
    }
    // The host hanging up ends the VM; a signal asks for its own action.
    auto action = init::PowerAction::PowerOff;
    if (stop->cause == server::StopCause::Signal) {
        action = init::power_action_for(stop->signo).value_or(init::PowerAction::PowerOff);
    }
    finish(pid1, action, stop->cause == server::StopCause::ProtocolError ? 1 : 0);
}
