// SPDX-License-Identifier: Apache-2.0
// Result<T, E>: a value or an error, spelled like std::expected so it can become an alias under
// C++23. TRY(expr) returns early with the error (a GNU statement expression, as GCC and Clang
// allow).
#pragma once
#include "base/error.h"

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

namespace vmm {

/// Wraps an error so that Result's constructors can tell it apart from a value of the same type.
template<class E> struct Unexpected {
    E error;
};
template<class E> Unexpected(E) -> Unexpected<E>;

template<class E> Unexpected<std::decay_t<E>> unexpected(E&& e)
{
    return { std::forward<E>(e) };
}

template<class T, class E = Error> class [[nodiscard]] Result {
public:
    using value_type = T;
    using error_type = E;

    Result() requires std::is_default_constructible_v<T> : m_storage(std::in_place_index<0>) { }
    template<class U = T>
    requires std::is_constructible_v<T, U&&> Result(U&& value)
        : m_storage(std::in_place_index<0>, std::forward<U>(value))
    {
    }
    template<class G>
    Result(Unexpected<G> err)
        : m_storage(std::in_place_index<1>, std::move(err.error))
    {
    }
    Result(E err) requires(!std::is_same_v<T, E>)
        : m_storage(std::in_place_index<1>, std::move(err))
    {
    }

    bool has_value() const { return m_storage.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() &
    {
        check_value();
        return *std::get_if<0>(&m_storage);
    }
    const T& value() const&
    {
        check_value();
        return *std::get_if<0>(&m_storage);
    }
    T&& value() &&
    {
        check_value();
        return std::move(*std::get_if<0>(&m_storage));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const E& error() const& { return *std::get_if<1>(&m_storage); }
    E&& error() && { return std::move(*std::get_if<1>(&m_storage)); }

    template<class U> T value_or(U&& fallback) const&
    {
        return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

private:
    void check_value() const
    {
        if (!has_value()) {
            std::abort(); // Reading the value of an error is a programming bug.
        }
    }
    std::variant<T, E> m_storage;
};

/// Result<void>: success or an error.
template<class E> class [[nodiscard]] Result<void, E> {
public:
    using value_type = void;
    using error_type = E;

    Result() = default;
    template<class G>
    Result(Unexpected<G> err)
        : m_has_error(true)
        , m_error(std::move(err.error))
    {
    }
    Result(E err)
        : m_has_error(true)
        , m_error(std::move(err))
    {
    }

    bool has_value() const { return !m_has_error; }
    explicit operator bool() const { return has_value(); }
    void value() const
    {
        if (m_has_error) {
            std::abort();
        }
    }
    const E& error() const& { return m_error; }
    E&& error() && { return std::move(m_error); }

private:
    bool m_has_error { false };
    E m_error {};
};

} // namespace vmm

/// Evaluates a Result; on error returns it from the enclosing function, else yields the value.
#define TRY(expr)                                                                                  \
    ({                                                                                             \
        auto&& _try_result = (expr);                                                               \
        if (!_try_result.has_value()) {                                                            \
            return ::vmm::unexpected(std::move(_try_result).error());                              \
        }                                                                                          \
        std::move(_try_result).value();                                                            \
    })
