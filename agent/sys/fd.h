// SPDX-License-Identifier: Apache-2.0
// Small fd helpers the agent and its host side share.
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"

#include <cstddef>
#include <span>
#include <sys/types.h>

namespace agent::sys {

vmm::Result<void> set_nonblocking(int fd, bool nonblocking = true);

struct Pipe {
    vmm::UniqueFd read;
    vmm::UniqueFd write;
};
/// pipe2(O_CLOEXEC).
vmm::Result<Pipe> make_pipe();

/// send(MSG_NOSIGNAL) on sockets (no SIGPIPE whatever the process's disposition), write()
/// elsewhere. Returns -1 with errno like write().
ssize_t write_some(int fd, std::span<const std::byte> bytes);

/// read() retried on EINTR.
ssize_t read_some(int fd, std::span<std::byte> bytes);

/// Makes sure fds 0, 1 and 2 are open (on /dev/null if not), so that no fd opened later lands on
/// them: a child's stdio is dup2()ed there.
void ensure_std_fds();

} // namespace agent::sys
