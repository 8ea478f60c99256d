// SPDX-License-Identifier: Apache-2.0
#include "vmm/event_loop/event_loop.h"

#include <doctest/doctest.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

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

} // namespace

TEST_CASE("a watched eventfd written by another thread runs its handler on the loop thread")
{
    auto loop = EventLoop::create();
    REQUIRE(loop);
    UniqueFd event = make_eventfd();
    std::thread::id handler_thread;
    int calls = 0;
    (*loop)->watch(event.get(), [&] {
        drain(event.get());
        handler_thread = std::this_thread::get_id();
        if (++calls == 3) {
            (*loop)->stop();
        }
    });
    std::thread writer([&] {
        for (int i = 0; i < 3; ++i) {
            kick(event.get());
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });
    (*loop)->run();
    writer.join();
    CHECK(calls == 3);
    CHECK(handler_thread == std::this_thread::get_id());
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
    int calls = 0;
    EventLoop::WatchId id = 0;
    id = (*loop)->watch(event.get(), [&] {
        drain(event.get());
        ++calls;
        (*loop)->unwatch(id);
    });
    kick(event.get());
    std::thread later([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        kick(event.get());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        (*loop)->stop();
    });
    (*loop)->run();
    later.join();
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
