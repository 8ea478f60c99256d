// SPDX-License-Identifier: Apache-2.0
// The error of the low layers (syscalls, KVM, guest memory). It never allocates: an error code,
// the saved errno and a static string naming the operation that failed. Layers whose messages name
// the user's input own theirs (BuildError, ConfigError, JailError, ...) and add context to this
// one.
#pragma once
#include <cerrno>
#include <cstring>
#include <string>

namespace vmm {

enum class Errc {
    System, // A syscall failed; sys_errno says why.
    InvalidInput, // User input (file, flag, config) is malformed.
    OutOfRange, // An address or length falls outside what it must fit in.
    Unsupported, // The host lacks a feature we need (KVM capability, CPU bit).
    GuestFault, // The guest did something we cannot continue from.
};

struct Error {
    Errc code { Errc::System };
    int sys_errno { 0 };
    const char* context { "" }; ///< Static string: what was being done.

    /// A failed syscall: captures errno now.
    static Error from_errno(const char* what) { return { Errc::System, errno, what }; }
    static Error invalid(const char* what) { return { Errc::InvalidInput, 0, what }; }
    static Error out_of_range(const char* what) { return { Errc::OutOfRange, 0, what }; }
    static Error unsupported(const char* what) { return { Errc::Unsupported, 0, what }; }

    /// "context: strerror" for syscalls, plain context otherwise. Allocates; call only to report.
    std::string message() const
    {
        if (code == Errc::System && sys_errno != 0) {
            return std::string(context) + ": " + std::strerror(sys_errno);
        }
        return context;
    }
};

} // namespace vmm
