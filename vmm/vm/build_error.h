// SPDX-License-Identifier: Apache-2.0
// The builder's error, and the adapters that turn a lower layer's vmm::Error into one, so each
// step of build_vm() is one TRY that names what was being done and whose fault a failure is.
#pragma once
#include "base/file_image.h"
#include "base/result.h"

#include <string>
#include <string_view>
#include <type_traits>

namespace vmm {

/// A failure to build the VM: one sentence naming the object (file, flag, capability).
struct BuildError {
    enum class Kind {
        BadInput, ///< The user's files or values are wrong; found before any KVM work.
        HostFailure, ///< KVM or the host refused; the input may be fine.
    };
    Kind kind { Kind::HostFailure };
    std::string message; ///< Without the "partvm: " prefix and without a newline.

    /// The user's files or values are wrong: exit 2.
    static BuildError bad_input(std::string message)
    {
        return { Kind::BadInput, std::move(message) };
    }
    /// KVM or the host refused: exit 1.
    static BuildError host_failure(std::string message)
    {
        return { Kind::HostFailure, std::move(message) };
    }
};

namespace detail {

template<class T, class E>
Result<T, BuildError> with_context(
    Result<T, E>&& result, BuildError::Kind kind, std::string_view what)
{
    if (!result) {
        return BuildError { kind, std::string(what) + ": " + result.error().message() };
    }
    if constexpr (std::is_void_v<T>) {
        return {};
    } else {
        return std::move(result).value();
    }
}

} // namespace detail

/// `result`'s value, or a HostFailure "`what`: <the error's message()>", e.g.
/// `TRY(or_host_failure(kvm.create_vm(), "creating the VM"))`. E is vmm::Error or any error with
/// a message() (BootError).
template<class T, class E>
Result<T, BuildError> or_host_failure(Result<T, E>&& result, std::string_view what)
{
    return detail::with_context(std::move(result), BuildError::Kind::HostFailure, what);
}

/// `result`'s value, or a BadInput "`what`: <the error's message()>", e.g.
/// `TRY(or_bad_input(write_cmdline(...), "--cmdline"))`.
template<class T, class E>
Result<T, BuildError> or_bad_input(Result<T, E>&& result, std::string_view what)
{
    return detail::with_context(std::move(result), BuildError::Kind::BadInput, what);
}

/// A user's file that cannot be used is bad input; its message already names role and path.
template<class T> Result<T, BuildError> or_bad_input(Result<T, FileImageError>&& result)
{
    if (!result) {
        return BuildError::bad_input(std::move(result).error().message);
    }
    return std::move(result).value();
}

} // namespace vmm
