// SPDX-License-Identifier: Apache-2.0
#include "vmm/run/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

namespace vmm {

std::optional<Terminal> Terminal::take(int fd)
{
    termios saved {};
    if (!::isatty(fd) || ::tcgetattr(fd, &saved) < 0) {
        return std::nullopt;
    }
    termios raw = saved;
    // Every key, Ctrl-C included, goes to the guest's pty, whose line discipline does the rest.
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSANOW, &raw) < 0) {
        return std::nullopt;
    }
    return Terminal(fd, saved);
}

Terminal::~Terminal()
{
    if (m_fd >= 0) {
        ::tcsetattr(m_fd, TCSANOW, &m_saved);
    }
}

std::pair<uint16_t, uint16_t> Terminal::size() const
{
    winsize window {};
    if (::ioctl(m_fd, TIOCGWINSZ, &window) < 0 || window.ws_row == 0) {
        return { 24, 80 };
    }
    return { window.ws_row, window.ws_col };
}

} // namespace vmm
