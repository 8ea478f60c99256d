// SPDX-License-Identifier: Apache-2.0
// The device thread's event loop, on io_uring: readiness watches on fds (eventfds from KVM and
// the vCPU threads, sockets), one-shot timers, and functions posted from other threads. One thread
// runs it.
#pragma once
#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <chrono>
#include <functional>
#include <liburing.h>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace vmm {

class EventLoop {
public:
    using Handler = std::function<void()>;
    using WatchId = uint64_t;

    static Result<std::unique_ptr<EventLoop>> create(unsigned queue_depth = 64);
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    /// Calls `on_readable` (on the loop thread) whenever `fd` becomes readable; the handler must
    /// consume what made it readable. Loop thread only, or before run().
    WatchId watch(int fd, Handler on_readable);
    /// Calls `on_ready` once, the first time `fd` is ready for `events` (POLLIN, POLLOUT; errors
    /// and hang-ups count as ready): the handler then finds out which with non-blocking I/O. The
    /// watch ends with that call; re-arm by calling again. Loop thread only, or before run().
    WatchId when_ready(int fd, uint32_t events, Handler on_ready);
    /// Calls `on_expiry` once, `delay` from now. Loop thread only, or before run().
    WatchId after(std::chrono::nanoseconds delay, Handler on_expiry);
    /// Stops a watch or timer; safe from inside any handler, including the watch's own, and for
    /// one that has already fired (a no-op).
    void unwatch(WatchId id);

    /// Runs `function` on the loop thread, in posting order. Any thread.
    void post(Handler function);
    /// Runs until stop(). Call from the one loop thread.
    void run();
    /// Makes run() return after the handlers in progress. Any thread.
    void stop();

private:
    explicit EventLoop(UniqueFd wake_fd);
    void arm(WatchId id, int fd);
    void run_posted();
    io_uring_sqe* next_sqe();

    enum class Kind {
        Readable, ///< Multishot poll, re-armed when the kernel ends it.
        Once, ///< One poll, then gone.
        Timer, ///< One timeout, then gone.
    };
    struct Watch {
        int fd; // -1 for timers.
        Kind kind;
        std::shared_ptr<Handler> handler; // Shared: a handler may unwatch itself mid-call.
    };

    io_uring m_ring {};
    bool m_ring_ready { false };
    UniqueFd m_wake_fd; // eventfd: posts and stop() write it.
    std::unordered_map<WatchId, Watch> m_watches;
    WatchId m_next_id { 1 }; // 0 marks completions nobody waits for (poll removals).
    std::mutex m_posted_lock;
    std::vector<Handler> m_posted;
    bool m_stop_requested { false }; // Under m_posted_lock.
};

} // namespace vmm
