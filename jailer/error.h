// SPDX-License-Identifier: Apache-2.0
// The jailer's error: the exit status it leads to and one line of text naming the problem. Unlike
// vmm::Error it owns its message, because every message names the option and value at fault.
#pragma once
#include "base/result.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace jail {

/// Exit status for bad flags and inputs, reported before anything is created.
inline constexpr int exit_usage = 2;
/// Exit status for the jailer's own failures (host setup, the jail, the child's setup).
inline constexpr int exit_failure = 1;

struct JailError {
    int exit_status { exit_failure };
    std::string message; ///< Without the "partvm-jailer: " prefix and without a newline.

    /// Bad user input: exit 2.
    static JailError usage(std::string what) { return { exit_usage, std::move(what) }; }
    /// A host or setup failure: exit 1.
    static JailError failure(std::string what) { return { exit_failure, std::move(what) }; }
    /// A failed syscall: "what: strerror(errno)", exit 1. Reads errno now.
    static JailError from_errno(const std::string& what) { return with_errno(what, errno); }
    static JailError with_errno(const std::string& what, int error)
    {
        return { exit_failure, what + ": " + std::strerror(error) };
    }
};

template<class T> using Result = vmm::Result<T, JailError>;

} // namespace jail
