// SPDX-License-Identifier: Apache-2.0
// The host signals that ask partvm to stop its VM, in one place: main() blocks them before any
// thread exists and Vm::run() reads them from a signalfd, so the two must name the same set.
#pragma once
#include <csignal>

namespace vmm {

/// SIGINT, SIGTERM and SIGHUP.
inline sigset_t stop_signals()
{
    sigset_t signals;
    sigemptyset(&signals);
    for (int signal : { SIGINT, SIGTERM, SIGHUP }) {
        sigaddset(&signals, signal);
    }
    return signals;
}

} // namespace vmm
