// SPDX-License-Identifier: Apache-2.0
#include "base/eventfd.h"
#include "base/unique_fd.h"
#include "tests/support/uring_submit.h"
#include "vmm/event_loop/restricted_ring.h"

#include <array>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <string_view>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

using namespace vmm;
using partvm_test::submit_one;

namespace {

struct Ring {
    io_uring ring {};
    Ring() { REQUIRE(init_event_loop_ring(ring, 8, 4)); }
    ~Ring() { io_uring_queue_exit(&ring); }
};

} // namespace

TEST_CASE("a poll on a registered slot works")
{
    Ring r;
    UniqueFd event = make_eventfd().value();
    const int fd = event.get();
    REQUIRE(io_uring_register_files_update(&r.ring, 2, &fd, 1) == 1);
    REQUIRE(signal_eventfd(fd));
    io_uring_sqe* sqe = io_uring_get_sqe(&r.ring);
    io_uring_prep_poll_add(sqe, 2, POLLIN);
    sqe->flags |= IOSQE_FIXED_FILE;
    CHECK((submit_one(r.ring) & POLLIN) != 0);
}

TEST_CASE("the ring refuses plain fds, unlisted opcodes and other registrations")
{
    Ring r;
    UniqueFd event = make_eventfd().value();
    REQUIRE(signal_eventfd(event.get()));

    SUBCASE("a poll on a plain fd")
    {
        io_uring_sqe* sqe = io_uring_get_sqe(&r.ring);
        io_uring_prep_poll_add(sqe, event.get(), POLLIN);
        CHECK(submit_one(r.ring) == -EACCES);
    }
    SUBCASE("a read, even of a registered file")
    {
        const int fd = event.get();
        REQUIRE(io_uring_register_files_update(&r.ring, 0, &fd, 1) == 1);
        uint64_t value = 0;
        io_uring_sqe* sqe = io_uring_get_sqe(&r.ring);
        io_uring_prep_read(sqe, 0, &value, sizeof(value), 0);
        sqe->flags |= IOSQE_FIXED_FILE;
        CHECK(submit_one(r.ring) == -EACCES);
        CHECK(value == 0);
    }
    SUBCASE("openat, which needs no file")
    {
        io_uring_sqe* sqe = io_uring_get_sqe(&r.ring);
        io_uring_prep_openat(sqe, AT_FDCWD, "/etc/passwd", O_RDONLY, 0);
        sqe->flags |= IOSQE_FIXED_FILE;
        CHECK(submit_one(r.ring) == -EACCES);
    }
    SUBCASE("registering buffers")
    {
        char buffer[64];
        iovec vec { buffer, sizeof(buffer) };
        CHECK(io_uring_register_buffers(&r.ring, &vec, 1) == -EACCES);
    }
}

TEST_CASE("emptying a slot lets go of the file: the peer of a closed socket sees EOF")
{
    Ring r;
    // A long-lived poll on another slot, as the loop's wake-up eventfd has.
    UniqueFd wake = make_eventfd().value();
    const int wake_fd = wake.get();
    REQUIRE(io_uring_register_files_update(&r.ring, 0, &wake_fd, 1) == 1);
    io_uring_sqe* wake_sqe = io_uring_get_sqe(&r.ring);
    io_uring_prep_poll_multishot(wake_sqe, 0, POLLIN);
    wake_sqe->flags |= IOSQE_FIXED_FILE;
    REQUIRE(io_uring_submit(&r.ring) == 1);

    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    UniqueFd ours(pair[0]);
    UniqueFd peer(pair[1]);
    const int fd = ours.get();
    REQUIRE(io_uring_register_files_update(&r.ring, 1, &fd, 1) == 1);
    io_uring_sqe* sqe = io_uring_get_sqe(&r.ring);
    io_uring_prep_poll_add(sqe, 1, POLLOUT);
    sqe->flags |= IOSQE_FIXED_FILE;
    CHECK((submit_one(r.ring) & POLLOUT) != 0);

    const int empty = -1;
    REQUIRE(io_uring_register_files_update(&r.ring, 1, &empty, 1) == 1);
    ours.reset();
    pollfd ready { peer.get(), POLLIN, 0 };
    REQUIRE(::poll(&ready, 1, 2000) == 1);
    char byte;
    CHECK(::read(peer.get(), &byte, 1) == 0);
}

TEST_CASE("timeouts run, with the fixed-file flag the restrictions require")
{
    Ring r;
    __kernel_timespec when { .tv_sec = 0, .tv_nsec = 1'000'000 };
    io_uring_sqe* sqe = io_uring_get_sqe(&r.ring);
    io_uring_prep_timeout(sqe, &when, 0, 0);
    sqe->flags |= IOSQE_FIXED_FILE;
    CHECK(submit_one(r.ring) == -ETIME);
}

TEST_CASE("a ring with its own lists: files registered up front, a completion eventfd, no "
          "registrations once enabled")
{
    int pipe_fds[2];
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    UniqueFd read_end(pipe_fds[0]);
    UniqueFd write_end(pipe_fds[1]);
    REQUIRE(::write(write_end.get(), "abc", 3) == 3);
    UniqueFd completions = make_eventfd().value();

    static constexpr std::array<uint8_t, 1> only_readv { IORING_OP_READV };
    const int files[] = { read_end.get() };
    io_uring ring {};
    REQUIRE(init_restricted_ring(ring,
        { .queue_depth = 4,
            .opcodes = only_readv,
            .files = files,
            .empty_file_slots = 1,
            .completion_eventfd = completions.get() }));
    struct Exit {
        io_uring& ring;
        ~Exit() { io_uring_queue_exit(&ring); }
    } exit { ring };

    SUBCASE("a listed opcode on slot 0 works and signals the eventfd")
    {
        char buffer[3] {};
        iovec vec { buffer, sizeof(buffer) };
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        io_uring_prep_readv(sqe, 0, &vec, 1, 0);
        sqe->flags |= IOSQE_FIXED_FILE;
        CHECK(submit_one(ring) == 3);
        CHECK(std::string_view(buffer, 3) == "abc");
        CHECK(drain_eventfd(completions.get()) >= 1);
    }
    SUBCASE("an opcode another ring may use is refused")
    {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        io_uring_prep_poll_add(sqe, 0, POLLIN);
        sqe->flags |= IOSQE_FIXED_FILE;
        CHECK(submit_one(ring) == -EACCES);
    }
    SUBCASE("the empty slot cannot be filled")
    {
        const int fd = write_end.get();
        CHECK(io_uring_register_files_update(&ring, 1, &fd, 1) == -EACCES);
    }
}
