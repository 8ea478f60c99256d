// SPDX-License-Identifier: Apache-2.0
#include "vmm/event_loop/event_loop.h"
#include "base/check.h"
#include "base/eventfd.h"
#include "base/log.h"
#include "base/scope_exit.h"
#include "vmm/event_loop/restricted_ring.h"

#include <algorithm>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace vmm {

namespace {

// The loop whose run() this thread is inside, if any: lets on_loop_thread() answer without a
// lock or a syscall.
thread_local const EventLoop* t_running_loop = nullptr;

} // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create(unsigned queue_depth)
{
    std::unique_ptr<EventLoop> loop(new EventLoop(TRY(make_eventfd())));
    TRY(init_event_loop_ring(loop->m_ring, queue_depth, file_slots));
    loop->m_ring_ready = true;
    for (unsigned slot = file_slots; slot-- > 0;) {
        loop->m_free_slots.push_back(slot); // Lowest first off the back.
    }
    const int wake_fd = loop->m_wake_fd.get();
    loop->watch(wake_fd, [wake_fd] { drain_eventfd(wake_fd); });
    return loop;
}

EventLoop::EventLoop(UniqueFd wake_fd)
    : m_wake_fd(std::move(wake_fd))
{
}

EventLoop::~EventLoop()
{
    if (m_ring_ready) {
        io_uring_queue_exit(&m_ring);
    }
}

io_uring_sqe* EventLoop::next_sqe()
{
    io_uring_sqe* sqe = io_uring_get_sqe(&m_ring);
    if (!sqe) {
        io_uring_submit(&m_ring); // Full submission queue: hand it to the kernel and go on.
        sqe = io_uring_get_sqe(&m_ring);
    }
    CHECK(sqe != nullptr);
    return sqe;
}

std::optional<unsigned> EventLoop::take_slot(int fd)
{
    if (m_free_slots.empty()) {
        LOG_ERROR("event loop: all {} file slots in use; fd {} is not watched", file_slots, fd);
        return std::nullopt;
    }
    const unsigned slot = m_free_slots.back();
    if (int error = io_uring_register_files_update(&m_ring, slot, &fd, 1); error < 0) {
        LOG_ERROR("event loop: cannot register fd {}: error {}", fd, -error);
        return std::nullopt;
    }
    m_free_slots.pop_back();
    return slot;
}

void EventLoop::release_slot(unsigned slot)
{
    // The slot's reference to the file goes; a poll still in flight holds its own.
    const int empty = -1;
    if (int error = io_uring_register_files_update(&m_ring, slot, &empty, 1); error < 0) {
        LOG_ERROR("event loop: cannot empty file slot {}: error {}", slot, -error);
        return; // Leaked rather than handed out while it still holds a file.
    }
    m_free_slots.push_back(slot);
}

void EventLoop::forget(WatchId id)
{
    auto it = m_watches.find(id);
    if (it == m_watches.end()) {
        return;
    }
    if (it->second.kind != Kind::Timer) {
        release_slot(it->second.slot);
    }
    m_watches.erase(it);
}

void EventLoop::arm(WatchId id, unsigned slot)
{
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_poll_multishot(sqe, int(slot), POLLIN);
    sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(sqe, id);
}

EventLoop::WatchId EventLoop::watch(int fd, Handler on_readable)
{
    const WatchId id = m_next_id++;
    const auto slot = take_slot(fd);
    if (!slot) {
        return id; // Never fires; unwatch() of it is a no-op.
    }
    m_watches.emplace(
        id, Watch { fd, *slot, Kind::Readable, std::make_shared<Handler>(std::move(on_readable)) });
    arm(id, *slot);
    return id;
}

EventLoop::WatchId EventLoop::when_ready(int fd, uint32_t events, Handler on_ready)
{
    const WatchId id = m_next_id++;
    const auto slot = take_slot(fd);
    if (!slot) {
        return id;
    }
    m_watches.emplace(
        id, Watch { fd, *slot, Kind::Once, std::make_shared<Handler>(std::move(on_ready)) });
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_poll_add(sqe, int(*slot), events);
    sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(sqe, id);
    return id;
}

EventLoop::WatchId EventLoop::after(std::chrono::nanoseconds delay, Handler on_expiry)
{
    const WatchId id = m_next_id++;
    const auto count = std::max<int64_t>(delay.count(), 0);
    auto [it, _] = m_watches.emplace(id,
        Watch { -1, 0, Kind::Timer, std::make_shared<Handler>(std::move(on_expiry)),
            { .tv_sec = count / 1'000'000'000, .tv_nsec = count % 1'000'000'000 } });
    io_uring_sqe* sqe = next_sqe();
    // The kernel reads the time at submission; map nodes stay put until then.
    io_uring_prep_timeout(sqe, &it->second.when, 0, 0);
    sqe->flags |= IOSQE_FIXED_FILE; // Required on every SQE by the ring's restrictions.
    io_uring_sqe_set_data64(sqe, id);
    io_uring_submit(&m_ring); // Now, while the watch (and its time) surely exists.
    return id;
}

void EventLoop::unwatch(WatchId id)
{
    auto it = m_watches.find(id);
    if (it == m_watches.end()) {
        return;
    }
    forget(id);
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_cancel64(sqe, id, 0); // Finds polls and timeouts alike by their user data.
    sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(sqe, 0);
}

void EventLoop::post(Handler function)
{
    {
        std::lock_guard lock(m_posted_lock);
        m_posted.push_back(std::move(function));
    }
    CHECK(signal_eventfd(m_wake_fd.get()));
}

void EventLoop::stop()
{
    {
        std::lock_guard lock(m_posted_lock);
        m_stop_requested = true;
    }
    CHECK(signal_eventfd(m_wake_fd.get()));
}

void EventLoop::run_posted()
{
    std::vector<Handler> batch;
    {
        std::lock_guard lock(m_posted_lock);
        batch.swap(m_posted);
    }
    for (auto& function : batch) {
        function();
    }
}

bool EventLoop::on_loop_thread() const
{
    return t_running_loop == this;
}

void EventLoop::run()
{
    const EventLoop* outer = std::exchange(t_running_loop, this);
    ScopeExit restore([outer] { t_running_loop = outer; });
    while (true) {
        run_posted();
        {
            std::lock_guard lock(m_posted_lock);
            if (m_stop_requested) {
                return;
            }
        }
        const int submitted = io_uring_submit_and_wait(&m_ring, 1);
        if (submitted < 0 && submitted != -EINTR) {
            LOG_ERROR("io_uring_submit_and_wait: error {}", -submitted);
            return;
        }
        io_uring_cqe* cqe;
        unsigned head;
        unsigned seen = 0;
        std::vector<std::pair<WatchId, std::shared_ptr<Handler>>> ready;
        io_uring_for_each_cqe(&m_ring, head, cqe)
        {
            ++seen;
            const WatchId id = io_uring_cqe_get_data64(cqe);
            auto it = m_watches.find(id);
            if (id == 0 || it == m_watches.end()) {
                continue; // A removal, or the last event of a watch already gone.
            }
            if (it->second.kind != Kind::Readable) {
                // One-shot: a timer fires on -ETIME, a poll on any result but a cancellation
                // (an error such as a closed fd is the handler's to find).
                const bool fired
                    = it->second.kind == Kind::Timer ? cqe->res == -ETIME : cqe->res != -ECANCELED;
                if (fired) {
                    ready.emplace_back(id, it->second.handler);
                } else {
                    forget(id);
                }
                continue;
            }
            if (!(cqe->flags & IORING_CQE_F_MORE)) {
                if (cqe->res < 0) {
                    LOG_WARN(
                        "event loop: watch of fd {} failed: error {}", it->second.fd, -cqe->res);
                    forget(id);
                    continue;
                }
                arm(id, it->second.slot); // The kernel ended the multishot poll: start another.
            }
            if (cqe->res > 0) {
                ready.emplace_back(id, it->second.handler);
            }
        }
        io_uring_cq_advance(&m_ring, seen);
        for (auto& [id, handler] : ready) {
            auto it = m_watches.find(id);
            if (it == m_watches.end()) {
                continue; // Unwatched by an earlier handler of this batch.
            }
            if (it->second.kind != Kind::Readable) {
                forget(id); // Its one call: gone before the handler can re-arm it.
            }
            (*handler)();
        }
    }
}

} // namespace vmm
