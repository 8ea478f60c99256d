// SPDX-License-Identifier: Apache-2.0
// The hybrid vsock socket: a listening Unix stream socket at a path the user chose, removed again
// when partvm is done with it, plus connecting to the per-port sockets PATH_<port> beside it.
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"

#include <memory>
#include <string>
#include <sys/stat.h>
#include <sys/un.h>

namespace vmm {

class VsockUnixListener {
public:
    /// The longest path that leaves room for "_<port>" (up to 10 digits) in a sockaddr_un.
    static constexpr size_t max_path_length = sizeof(sockaddr_un::sun_path) - 1 - 11;

    /// Listens at `path`. Refuses a path that is too long, exists as anything but a socket, or
    /// is a socket some program still listens on; a stale socket (nobody listening) is replaced.
    static Result<std::unique_ptr<VsockUnixListener>, std::string> create(const std::string& path);
    /// Removes the path, unless something else has replaced our socket there meanwhile.
    ~VsockUnixListener();
    VsockUnixListener(const VsockUnixListener&) = delete;
    VsockUnixListener& operator=(const VsockUnixListener&) = delete;

    int fd() const { return m_fd.get(); }
    const std::string& path() const { return m_path; }
    /// One waiting client, non-blocking and close-on-exec; invalid when none waits.
    UniqueFd accept();

private:
    VsockUnixListener(std::string path, UniqueFd fd, struct stat identity);

    std::string m_path;
    UniqueFd m_fd;
    struct stat m_identity; // Device and inode of the socket file we made.
};

/// Connects to the Unix stream socket at `path` without blocking; a failure (no such file,
/// nobody listening, backlog full) is an error.
Result<UniqueFd> connect_unix(const std::string& path);

} // namespace vmm
