// SPDX-License-Identifier: Apache-2.0
// The host end of the guest agent for benchmarks, over either transport the agent can meet:
// AF_VSOCK (QEMU's vhost-vsock) or the Unix socket partvm's --vsock gives guest port P (PATH_P).
// Waits for the agent to connect, runs CMD `--execs` times one after another, prints one JSON
// line after CMD's stdout, and closes the connection (the agent then powers the VM off). With
// --parallel N each round runs N sessions of CMD at once over the one connection.
//   agent_exec (--vsock-port N | --unix PATH) [--execs N] [--parallel N] [--timeout S] -- CMD...
#include "agent/client/client.h"
#include "base/unique_fd.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(const std::string& message)
{
    std::fprintf(stderr, "agent_exec: %s\n", message.c_str());
    std::exit(1);
}

vmm::UniqueFd listen_vsock(uint32_t port)
{
    vmm::UniqueFd fd(::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_vm address {};
    address.svm_family = AF_VSOCK;
    address.svm_cid = VMADDR_CID_ANY;
    address.svm_port = port;
    if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0
        || ::listen(fd.get(), 1) < 0) {
        die(std::string("AF_VSOCK listen: ") + std::strerror(errno));
    }
    return fd;
}

vmm::UniqueFd listen_unix(const std::string& path)
{
    vmm::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address {};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof(address.sun_path)) {
        die("socket path too long");
    }
    std::memcpy(address.sun_path, path.c_str(), path.size());
    ::unlink(path.c_str());
    if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0
        || ::listen(fd.get(), 1) < 0) {
        die(std::string("unix listen: ") + std::strerror(errno));
    }
    return fd;
}

double ms_since(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv)
{
    const auto start = Clock::now();
    uint32_t vsock_port = 0;
    std::string unix_path;
    int execs = 1;
    int parallel = 1;
    int timeout_s = 120;
    std::vector<std::string> command;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--vsock-port" && i + 1 < argc) {
            vsock_port = uint32_t(std::stoul(argv[++i]));
        } else if (arg == "--unix" && i + 1 < argc) {
            unix_path = argv[++i];
        } else if (arg == "--execs" && i + 1 < argc) {
            execs = std::stoi(argv[++i]);
        } else if (arg == "--parallel" && i + 1 < argc) {
            parallel = std::stoi(argv[++i]);
        } else if (arg == "--timeout" && i + 1 < argc) {
            timeout_s = std::stoi(argv[++i]);
        } else if (arg == "--") {
            command.assign(argv + i + 1, argv + argc);
            break;
        } else {
            die("usage: agent_exec (--vsock-port N | --unix PATH) [--execs N] -- CMD ARGS...");
        }
    }
    if (command.empty() || (vsock_port == 0) == unix_path.empty()) {
        die("usage: agent_exec (--vsock-port N | --unix PATH) [--execs N] -- CMD ARGS...");
    }
    vmm::UniqueFd listener = vsock_port ? listen_vsock(vsock_port) : listen_unix(unix_path);
    std::printf("listening\n");
    std::fflush(stdout);
    pollfd ready { listener.get(), POLLIN, 0 };
    if (::poll(&ready, 1, timeout_s * 1000) != 1) {
        die("the agent did not connect");
    }
    vmm::UniqueFd connection(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    const double connected_ms = ms_since(start);
    auto client = agent::client::Client::handshake(connection.get(), timeout_s * 1000);
    if (!client) {
        die("handshake: " + client.error().message);
    }
    std::vector<double> exec_ms;
    std::vector<agent::client::SessionSpec> sessions(size_t(std::max(parallel, 1)));
    for (auto& session : sessions) {
        session.exec.argv = command;
        session.stdout_fd = STDOUT_FILENO;
    }
    for (int i = 0; i < execs; ++i) {
        const auto exec_start = Clock::now();
        auto results = client->run(sessions);
        if (!results) {
            die("exec failed: " + results.error().message);
        }
        for (const auto& result : *results) {
            if (result.shell_status() != 0) {
                die("exec failed with status " + std::to_string(result.shell_status()));
            }
        }
        exec_ms.push_back(ms_since(exec_start));
    }
    std::string list;
    for (double ms : exec_ms) {
        list += (list.empty() ? "" : ",") + std::to_string(ms);
    }
    std::printf("{\"connected_ms\": %.3f, \"exec_ms\": [%s]}\n", connected_ms, list.c_str());
    if (!unix_path.empty()) {
        ::unlink(unix_path.c_str());
    }
    return 0;
}
