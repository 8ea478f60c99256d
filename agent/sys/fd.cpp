// SPDX-License-Identifier: Apache-2.0
#include "agent/sys/fd.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace agent::sys {

vmm::Result<void> set_nonblocking(int fd, bool nonblocking)
{
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) {
        return vmm::Error::from_errno("fcntl(F_GETFL)");
    }
    const int wanted = nonblocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (wanted != flags && ::fcntl(fd, F_SETFL, wanted) < 0) {
        return vmm::Error::from_errno("fcntl(F_SETFL)");
    }
    return {};
}

vmm::Result<Pipe> make_pipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) {
        return vmm::Error::from_errno("pipe2");
    }
    return Pipe { vmm::UniqueFd(fds[0]), vmm::UniqueFd(fds[1]) };
}

ssize_t write_some(int fd, std::span<const std::byte> bytes)
{
    while (true) {
        ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK) {
            n = ::write(fd, bytes.data(), bytes.size());
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return n;
    }
}

ssize_t read_some(int fd, std::span<std::byte> bytes)
{
    while (true) {
        const ssize_t n = ::read(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return n;
    }
}

void ensure_std_fds()
{
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) < 0) {
            // open() returns the lowest free fd: this one.
            const int opened = ::open("/dev/null", O_RDWR);
            if (opened >= 0 && opened != fd) {
                ::dup2(opened, fd);
                ::close(opened);
            }
        }
    }
}

} // namespace agent::sys
