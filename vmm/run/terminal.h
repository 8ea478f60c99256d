// SPDX-License-Identifier: Apache-2.0
// The user's terminal in raw mode for `partvm run -t`, restored when this goes away (also when
// partvm leaves through an error path).
#pragma once
#include <cstdint>
#include <optional>
#include <termios.h>
#include <utility>

namespace vmm {

class Terminal {
public:
    /// Puts `fd` (a terminal) in raw mode; nullopt when it is not a terminal.
    static std::optional<Terminal> take(int fd);
    Terminal(Terminal&& other) noexcept
        : m_fd(std::exchange(other.m_fd, -1))
        , m_saved(other.m_saved)
    {
    }
    Terminal& operator=(Terminal&&) = delete;
    ~Terminal();

    /// Rows and columns, as the window is now.
    std::pair<uint16_t, uint16_t> size() const;

private:
    Terminal(int fd, const termios& saved)
        : m_fd(fd)
        , m_saved(saved)
    {
    }
    int m_fd;
    termios m_saved;
};

} // namespace vmm
