// SPDX-License-Identifier: Apache-2.0
// partvm-jailer: starts one VMM process in a jail, waits for it, reports how it ended and removes
// the jail. Flags in jailer/options.cpp; the sequence in jailer/jailer.cpp.
#include "jailer/jailer.h"

#include <csignal>
#include <fcntl.h>
#include <iostream>
#include <unistd.h>
#include <variant>

int main(int argc, char** argv)
{
    // Nothing inherited may leak into the jail, and no fd opened later may land on 0-2.
    ::close_range(3, ~0U, 0);
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) < 0 && ::open("/dev/null", O_RDWR) != fd) {
            return jail::exit_failure;
        }
    }
    // A closed stderr pipe must not kill the jailer before it has cleaned up; an inherited
    // SIG_IGN for SIGCHLD would make the kernel reap the VMM before we can see its status.
    ::signal(SIGPIPE, SIG_IGN);
    ::signal(SIGCHLD, SIG_DFL);

    auto parsed = jail::parse_options(argc, argv, std::cout, std::cerr);
    if (const int* status = std::get_if<int>(&parsed)) {
        return *status;
    }
    return jail::run_jailer(std::move(std::get<jail::Options>(parsed)));
}
