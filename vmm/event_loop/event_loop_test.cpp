// SPDX-License-Identifier: Apache-2.0
#include "vmm/event_loop/event_loop.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace vmm;

namespace {

UniqueFd make_eventfd()
{
    return UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
}

void kick(int fd)
{
    const uint64_t one = 1;
    REQUIRE(::write(fd, &one, sizeof(one)) == sizeof(one));
}

uint64_t drain(int fd)
{
    uint64_t count = 0;
    return ::read(fd, &count, sizeof(count)) == sizeof(count) ? count : 0;
}

/// True when `fd` becomes readable within a time generous for a loaded machine: a test waiting
/// for an acknowledgement fails, rather than hangs, when it never comes.
bool wait_readable(int fd)
{
    pollfd ready { fd, POLLIN, 0 };
    return ::poll(&ready, 1, 10000) == 1;
}

} // namespace

TEST_CASE("a watched eventfd written by another thread runs its handler on the loop thread")
{
    auto loop = EventLoop::create();
    REQUIRE(loop);
    UniqueFd event = make_eventfd();
    UniqueFd handled = make_eventfd(); // The handler's acknowledgement to the writer.
    std::thread::id handler_thread;
    std::vector<uint64_t> drained;
    (*loop)->watch(event.get(), [&] {
        drained.push_back(drain(event.get()));
        handler_thread = std::this_thread::get_id();
        if (drained.size() == 3) {
            (*loop)->stop();
        }
        kick(handled.get());
    });
    int acknowledged = 0;
    std::thread writer([&] {
        // Each kick waits for its handler run: unacknowledged kicks would add up in the eventfd
        // and run the handler once.
        for (int i = 0; i < 3; ++i) {
            kick(event.get());
            if (!wait_readable(handled.get())) {
                (*loop)->stop(); // Fail below rather than hang in run().
                return;
            }
            drain(handled.get());
            ++acknowledged;
        }
    });
    (*loop)->run();
    writer.join();
    CHECK(acknowledged == 3);
    CHECK(drained == std::vector<uint64_t> { 1, 1, 1 });
    CHECK(handler_thread == std::this_thread::get_id());
}

TEST_CASE("only code inside run() is on the loop thread, and only for its own loop")
{
    auto loop = EventLoop::create();
    auto other = EventLoop::create();
    REQUIRE(loop);
    REQUIRE(other);
    CHECK_FALSE((*loop)->on_loop_thread());
    bool inside = false;
    bool inside_other = true;
    (*loop)->post([&] {
        inside = (*loop)->on_loop_thread();
        inside_other = (*other)->on_loop_thread();
        (*loop)->stop();
    });
    (*loop)->run();
    CHECK(inside);
    CHECK_FALSE(inside_other);
    CHECK_FALSE((*loop)->on_loop_thread());
}

TEST_CASE("posted functions run in order on the loop thread")
{
    auto loop = EventLoop::create();
    REQUIRE(loop);
    std::vector<int> order;
    std::thread poster([&] {
        for (int i = 0; i < 100; ++i) {
            (*loop)->post([&order, i] { order.push_back(i); });
        }
        (*loop)->post([&] { (*loop)->stop(); });
    });
    (*loop)->run();
    poster.join();
    REQUIRE(order.size() == 100);
    for (int i = 0; i < 100; ++i) {
        CHECK(order[size_t(i)] == i);
    }
}

TEST_CASE("a handler may unwatch itself; its fd then stays quiet")
{
    auto loop = EventLoop::create();
    REQUIRE(loop);
    UniqueFd event = make_eventfd();
    UniqueFd handled = make_eventfd(); // The handler's acknowledgement to the test thread.
    UniqueFd fence = make_eventfd();
    int calls = 0;
    EventLoop::WatchId id = 0;
    id = (*loop)->watch(event.get(), [&] {
        drain(event.get());
        ++calls;
        (*loop)->unwatch(id);
        kick(handled.get());
    });
    // The second write comes before the fence's, so were `event` still watched its completion
    // would come in the fence's batch or an earlier one: once the fence's handler runs, a
    // handler still watching would have run too.
    (*loop)->watch(fence.get(), [&] { (*loop)->stop(); });
    kick(event.get());
    bool acknowledged = false;
    std::thread later([&] {
        acknowledged = wait_readable(handled.get());
        if (!acknowledged) {
            (*loop)->stop(); // Fail below rather than hang in run().
            return;
        }
        kick(event.get()); // After the handler unwatched.
        kick(fence.get());
    });
    (*loop)->run();
    later.join();
    REQUIRE(acknowledged);
    CHECK(calls == 1);
    CHECK(drain(event.get()) == 1); // The second write was never consumed by a handler.
}

TEST_CASE("more watches than submission slots all work")
{
    auto loop = EventLoop::create(8);
    REQUIRE(loop);
    std::vector<UniqueFd> events;
    int drained = 0;
    for (int i = 0; i < 40; ++i) {
        events.push_back(make_eventfd());
        const int fd = events.back().get();
        (*loop)->watch(fd, [&, fd] {
            drained += int(drain(fd));
            if (drained == 40) {
                (*loop)->stop();
            }
        });
    }
    for (auto& event : events) {
        kick(event.get());
    }
    (*loop)->run();
    CHECK(drained == 40);
}

TEST_CASE("when_ready fires once per arming, for writability and readability")
{
    auto loop = EventLoop::create();
    REQUIRE(loop);
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) == 0);
    UniqueFd a(pair[0]), b(pair[1]);
    int writable = 0;
    int readable = 0;
    (*loop)->when_ready(a.get(), POLLOUT, [&] { ++writable; });
    (*loop)->when_ready(b.get(), POLLIN, [&] {
        ++readable;
        char byte;
        CHECK(::read(b.get(), &byte, 1) == 1);
        CHECK(byte == 'x');
        (*loop)->stop();
    });
    (*loop)->post([&] { CHECK(::write(a.get(), "x", 1) == 1); });
    (*loop)->run();
    CHECK(writable == 1); // The socket stays writable, but the watch was one-shot.
    CHECK(readable == 1);
}

TEST_CASE("when_ready reports a peer hang-up; an unwatched one never fires")
{
    auto loop = EventLoop::create();
    REQUIRE(loop);
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) == 0);
    UniqueFd a(pair[0]), b(pair[1]);
    int cancelled_calls = 0;
    const auto cancelled = (*loop)->when_ready(a.get(), POLLIN, [&] { ++cancelled_calls; });
    (*loop)->unwatch(cancelled);
    (*loop)->when_ready(a.get(), POLLIN, [&] {
        char byte;
        CHECK(::read(a.get(), &byte, 1) == 0); // EOF
        (*loop)->stop();
    });
    b.reset();
    (*loop)->run();
    CHECK(cancelled_calls == 0);
}

TEST_CASE("timers fire once, in order of expiry; unwatched ones never")
{
    auto loop = EventLoop::create();
    REQUIRE(loop);
    std::vector<int> fired;
    const auto start = std::chrono::steady_clock::now();
    (*loop)->after(std::chrono::milliseconds(30), [&] {
        fired.push_back(30);
        (*loop)->stop();
    });
    (*loop)->after(std::chrono::milliseconds(10), [&] { fired.push_back(10); });
    const auto cancelled
        = (*loop)->after(std::chrono::milliseconds(5), [&] { fired.push_back(5); });
    (*loop)->unwatch(cancelled);
    (*loop)->unwatch(cancelled); // Twice is harmless.
    (*loop)->run();
    CHECK(fired == std::vector<int> { 10, 30 });
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(30));
}

TEST_CASE("a handler may arm new one-shots, and unwatching a fired one is a no-op")
{
    auto loop = EventLoop::create();
    REQUIRE(loop);
    int ticks = 0;
    EventLoop::WatchId first = 0;
    std::function<void()> tick = [&] {
        (*loop)->unwatch(first); // Already fired: nothing happens.
        if (++ticks == 3) {
            (*loop)->stop();
            return;
        }
        (*loop)->after(std::chrono::milliseconds(1), tick);
    };
    first = (*loop)->after(std::chrono::milliseconds(1), tick);
    (*loop)->run();
    CHECK(ticks == 3);
}
