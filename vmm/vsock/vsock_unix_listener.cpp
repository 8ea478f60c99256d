// SPDX-License-Identifier: Apache-2.0
#include "vmm/vsock/vsock_unix_listener.h"

#include <cerrno>
#include <cstring>
#include <fmt/core.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vmm {

namespace {

bool fill_address(const std::string& path, sockaddr_un& address)
{
    address = {};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(address.sun_path)) {
        return false;
    }
    std::memcpy(address.sun_path, path.data(), path.size());
    return true;
}

} // namespace

Result<UniqueFd> connect_unix(const std::string& path)
{
    sockaddr_un address;
    if (!fill_address(path, address)) {
        return Error::invalid("vsock: Unix socket path too long");
    }
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        return Error::from_errno("socket");
    }
    // Unix stream connects complete at once or fail (EAGAIN: the listener's backlog is full).
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        return Error::from_errno("connect");
    }
    return fd;
}

Result<std::unique_ptr<VsockUnixListener>, std::string> VsockUnixListener::create(
    const std::string& path)
{
    auto fail = [&path](std::string why) {
        return unexpected(fmt::format("vsock socket '{}': {}", path, why));
    };
    if (path.empty() || path.size() > max_path_length) {
        return fail(fmt::format("the path must be 1 to {} bytes long", max_path_length));
    }
    struct stat existing { };
    if (::lstat(path.c_str(), &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode)) {
            return fail("exists and is not a socket");
        }
        if (connect_unix(path)) {
            return fail("another program is listening there (another partvm?)");
        }
        // Left behind by a process that died: ours to replace.
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            return fail(fmt::format("cannot remove the stale socket: {}", std::strerror(errno)));
        }
    }
    sockaddr_un address;
    fill_address(path, address);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        return fail(fmt::format("socket: {}", std::strerror(errno)));
    }
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        return fail(fmt::format("bind: {}", std::strerror(errno)));
    }
    struct stat identity { };
    if (::lstat(path.c_str(), &identity) != 0 || ::listen(fd.get(), 64) != 0) {
        const int error = errno;
        ::unlink(path.c_str());
        return fail(fmt::format("listen: {}", std::strerror(error)));
    }
    return std::unique_ptr<VsockUnixListener>(new VsockUnixListener(path, std::move(fd), identity));
}

VsockUnixListener::VsockUnixListener(std::string path, UniqueFd fd, struct stat identity)
    : m_path(std::move(path))
    , m_fd(std::move(fd))
    , m_identity(identity)
{
}

VsockUnixListener::~VsockUnixListener()
{
    struct stat now { };
    if (::lstat(m_path.c_str(), &now) == 0 && now.st_dev == m_identity.st_dev
        && now.st_ino == m_identity.st_ino) {
        ::unlink(m_path.c_str());
    }
}

UniqueFd VsockUnixListener::accept()
{
    while (true) {
        UniqueFd client(::accept4(m_fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (client.valid() || (errno != EINTR && errno != ECONNABORTED)) {
            return client;
        }
    }
}

} // namespace vmm
