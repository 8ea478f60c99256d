// SPDX-License-Identifier: Apache-2.0
// Runs the agent server in a forked child over a socketpair, for tests: the server reaps every
// child of its process, so it cannot share the test process.
#pragma once
#include "agent/server/server.h"
#include "base/unique_fd.h"

#include <csignal>
#include <cstdlib>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace agent::server::testing {

/// The child's exit code: the StopCause, or 100 when serve() failed.
constexpr int exit_code_of(StopCause cause)
{
    return static_cast<int>(cause);
}

class ServerProcess {
public:
    explicit ServerProcess(const ServerOptions& options = {})
    {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
            std::abort();
        }
        m_pid = ::fork();
        if (m_pid < 0) {
            std::abort();
        }
        if (m_pid == 0) {
            ::close(fds[0]);
            auto stop = serve(vmm::UniqueFd(fds[1]), options);
            ::_exit(stop ? exit_code_of(stop->cause) : 100);
        }
        ::close(fds[1]);
        m_host.reset(fds[0]);
    }
    ~ServerProcess() { (void)stop(); }
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    /// The host's end of the connection.
    int fd() const { return m_host.get(); }
    pid_t pid() const { return m_pid; }

    /// Closes our end (unless already closed) and waits for the server: its exit code.
    int stop()
    {
        m_host.reset();
        return wait();
    }
    /// Waits for the server to exit without closing our end.
    int wait()
    {
        if (m_pid > 0) {
            int status = 0;
            while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) { }
            m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            m_pid = -1;
        }
        return m_status;
    }

private:
    pid_t m_pid { -1 };
    int m_status { -1 };
    vmm::UniqueFd m_host;
};

} // namespace agent::server::testing
