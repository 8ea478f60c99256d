// SPDX-License-Identifier: Apache-2.0
// The agent's logging: one line to stderr (the guest console when PID 1), printf-style, which keeps
// fmt's code out of the agent. fmt would link: Debian ships libfmt only as a shared library, but
// its header-only mode links statically, as in the partvm binary (vmm/CMakeLists.txt).
#pragma once
#include <cerrno>
#include <cstdio>
#include <cstring>

#define AGENT_LOG(...)                                                                             \
    do {                                                                                           \
        std::fprintf(stderr, "partvm-agent: " __VA_ARGS__);                                        \
        std::fputc('\n', stderr);                                                                  \
    } while (0)

/// The same with ": strerror(errno)" appended.
#define AGENT_LOG_ERRNO(what)                                                                      \
    do {                                                                                           \
        const int agent_log_errno_ = errno;                                                        \
        std::fprintf(stderr, "partvm-agent: %s: %s\n", what, std::strerror(agent_log_errno_));     \
    } while (0)
