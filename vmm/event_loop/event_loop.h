// SPDX-License-Identifier: Apache-2.0
// The device thread's event loop, on io_uring: readiness watches on fds (eventfds from KVM and
// the vCPU threads, sockets), one-shot timers, and functions posted from other threads. One thread
// runs it. The ring is restricted (restricted_ring.h): every watched fd takes a slot of its
// registered-file table while the watch lasts.
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"

#include <chrono>
#include <functional>
#include <liburing.h>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace vmm {

class EventLoop {
public:
    using Handler = std::function<void()>;
    using WatchId = uint64_t;

    /// Registered-file slots: one per live watch. VMBus channels and vsock connections are capped
    /// well below this (VsockService::Options::max_connections).
    static constexpr unsigned file_slots = 2048;

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
    /// True when called from inside this loop's run(), where waiting for posted work would wait
    /// forever. Any thread.
    bool on_loop_thread() const;

private:
    explicit EventLoop(UniqueFd wake_fd);
    void arm(WatchId id, unsigned slot);
    void run_posted();
    io_uring_sqe* next_sqe();
    /// A slot holding `fd`; nullopt (logged) when the table is full or the kernel refuses.
    std::optional<unsigned> take_slot(int fd);
    void release_slot(unsigned slot);
    /// Ends a watch (if it still exists): its slot goes back to the table.
    void forget(WatchId id);

    enum class Kind {
        Readable, ///< Multishot poll, re-armed when the kernel ends it.
        Once, ///< One poll, then gone.
        Timer, ///< One timeout, then gone.
    };
    struct Watch {
        int fd; // -1 for timers.
        unsigned slot; // The fd's registered-file slot; unused for timers.
        Kind kind;
        std::shared_ptr<Handler> handler; // Shared: a handler may unwatch itself mid-call.
        __kernel_timespec when {}; // Timers: read by the kernel when the SQE is submitted.
    };

    io_uring m_ring {};
    bool m_ring_ready { false };
    UniqueFd m_wake_fd; // eventfd: posts and stop() write it.
    std::unordered_map<WatchId, Watch> m_watches;
    WatchId m_next_id { 1 }; // 0 marks completions nobody waits for (poll removals).
    std::vector<unsigned> m_free_slots;
    std::mutex m_posted_lock;
    std::vector<Handler> m_posted;
    bool m_stop_requested { false }; // Under m_posted_lock.
};

} // namespace vmm
