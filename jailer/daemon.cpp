// SPDX-License-Identifier: Apache-2.0
#include "jailer/daemon.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace jail {
namespace {

[[noreturn]] void wait_in_foreground(pid_t background, vmm::UniqueFd ready)
{
    char byte = 1;
    ssize_t n;
    while ((n = ::read(ready.get(), &byte, 1)) < 0 && errno == EINTR) { }
    if (n == 1 && byte == 0) {
        ::_exit(0);
    }
    // EOF without the byte: setup failed (the message is already on stderr) or the background
    // process died.
    int status = 0;
    while (::waitpid(background, &status, 0) < 0 && errno == EINTR) { }
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : exit_failure);
}

} // namespace

Result<Daemon> Daemon::start()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) {
        return JailError::from_errno("pipe2");
    }
    vmm::UniqueFd read_end(fds[0]);
    vmm::UniqueFd write_end(fds[1]);
    const pid_t pid = ::fork();
    if (pid < 0) {
        return JailError::from_errno("fork");
    }
    if (pid > 0) {
        write_end.reset();
        wait_in_foreground(pid, std::move(read_end));
    }
    read_end.reset();
    // A child of fork is never a process group leader, so setsid cannot fail here.
    if (::setsid() < 0) {
        return JailError::from_errno("setsid");
    }
    return Daemon(std::move(write_end));
}

Result<void> Daemon::jail_is_up()
{
    vmm::UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null.valid()) {
        return JailError::from_errno("cannot open /dev/null");
    }
    for (int fd = 0; fd <= 2; ++fd) {
        if (::dup2(null.get(), fd) < 0) {
            return JailError::from_errno("dup2 /dev/null");
        }
    }
    const char byte = 0;
    if (::write(m_ready.get(), &byte, 1) != 1) {
        return JailError::from_errno("cannot tell the foreground jailer");
    }
    m_ready.reset();
    return {};
}

} // namespace jail
