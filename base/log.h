// SPDX-License-Identifier: Apache-2.0
// Minimal leveled logging to stderr with fmt. Debug lines cost one branch when off.
#pragma once
#include <fmt/core.h>

#include <atomic>
#include <cstdio>

namespace vmm {

/// Trace adds the VMBus conversation, message by message, to Debug.
enum class LogLevel { Error = 0, Warn = 1, Info = 2, Debug = 3, Trace = 4 };

/// The --log-level names, indexed by LogLevel.
inline constexpr const char* log_level_names[] = { "error", "warn", "info", "debug", "trace" };

inline const char* log_level_name(LogLevel level)
{
    return log_level_names[static_cast<int>(level)];
}

inline std::atomic<LogLevel> g_log_level { LogLevel::Warn };

inline void set_log_level(LogLevel level)
{
    g_log_level.store(level, std::memory_order_relaxed);
}
inline bool log_enabled(LogLevel level)
{
    return level <= g_log_level.load(std::memory_order_relaxed);
}

template<class... Args> void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args)
{
    if (!log_enabled(level)) {
        return;
    }
    static constexpr const char* prefixes[] = { "error", "warning", "info", "debug", "trace" };
    fmt::print(stderr, "partvm: {}: {}\n", prefixes[static_cast<int>(level)],
        fmt::format(format, std::forward<Args>(args)...));
}

} // namespace vmm

#define LOG_ERROR(...) ::vmm::log(::vmm::LogLevel::Error, __VA_ARGS__)
#define LOG_WARN(...) ::vmm::log(::vmm::LogLevel::Warn, __VA_ARGS__)
#define LOG_INFO(...) ::vmm::log(::vmm::LogLevel::Info, __VA_ARGS__)
#define LOG_DEBUG(...)                                                                             \
    do {                                                                                           \
        if (::vmm::log_enabled(::vmm::LogLevel::Debug)) [[unlikely]] {                             \
            ::vmm::log(::vmm::LogLevel::Debug, __VA_ARGS__);                                       \
        }                                                                                          \
    } while (0)
#define LOG_TRACE(...)                                                                             \
    do {                                                                                           \
        if (::vmm::log_enabled(::vmm::LogLevel::Trace)) [[unlikely]] {                             \
            ::vmm::log(::vmm::LogLevel::Trace, __VA_ARGS__);                                       \
        }                                                                                          \
    } while (0)
