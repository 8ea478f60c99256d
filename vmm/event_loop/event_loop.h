// SPDX-License-Identifier: Apache-2.0
// The device thread's event loop, on io_uring: readiness watches on fds (eventfds from KVM and
// the vCPU threads) and functions posted from other threads. One thread runs it.
#pragma once
#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

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
    /// Stops a watch; safe from inside any handler, including the watch's own.
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

    struct Watch {
        int fd;
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
