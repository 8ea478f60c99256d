// SPDX-License-Identifier: Apache-2.0
// --daemonize: the jailer forks; the background process (a new session) builds the jail and then
// stays to supervise and clean up, while the foreground one exits once the jail is up, with 0,
// or with the background's exit status if setup failed.
#pragma once
#include "base/unique_fd.h"
#include "jailer/error.h"

namespace jail {

/// The background process's link to the waiting foreground one.
class Daemon {
public:
    /// Forks. Returns only in the background process; the foreground one waits and exits.
    /// Until jail_is_up(), the background's messages still reach the caller's stderr.
    static Result<Daemon> start();

    /// Detaches: stdin, stdout and stderr become /dev/null and the foreground exits 0.
    Result<void> jail_is_up();

private:
    explicit Daemon(vmm::UniqueFd ready)
        : m_ready(std::move(ready))
    {
    }
    vmm::UniqueFd m_ready; ///< Write end of the pipe the foreground waits on.
};

} // namespace jail
