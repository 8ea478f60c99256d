// SPDX-License-Identifier: Apache-2.0
// How the end of a VM is reported and which exit status the jailer passes on.
#include "jailer/supervise.h"

#include <doctest/doctest.h>

using namespace jail;

namespace {

constexpr int exited(int code)
{
    return code << 8; // The wait status layout of <sys/wait.h>.
}

} // namespace

TEST_CASE("exit statuses pass through; a signal N becomes 128+N")
{
    CHECK(exit_status_of(exited(0)) == 0);
    CHECK(exit_status_of(exited(3)) == 3);
    CHECK(exit_status_of(SIGKILL) == 137);
    CHECK(exit_status_of(SIGSYS) == 128 + SIGSYS);
}

TEST_CASE("a normal exit needs no report")
{
    CHECK(describe_end("vm1", exited(0), {}, "64M").empty());
    CHECK(describe_end("vm1", exited(1), {}, "64M").empty());
}

TEST_CASE("an OOM kill is reported once, with the limit, instead of the bare SIGKILL")
{
    MemoryEvents events;
    events.oom_kill = 1;
    const auto lines = describe_end("vm1", SIGKILL, events, "32M");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]
        == "VM vm1: out of memory: the VMM was killed when its cgroup reached memory.max (32M)");
}

TEST_CASE("a signal is named; SIGSYS is blamed on the seccomp filter")
{
    CHECK(describe_end("a", SIGKILL, {}, "max")
        == std::vector<std::string> { "VM a: the VMM was killed by signal 9 (SIGKILL)" });
    const auto sys = describe_end("a", SIGSYS, {}, "max");
    REQUIRE(sys.size() == 1);
    CHECK(sys[0]
        == "VM a: the VMM was killed by signal 31 (SIGSYS): its seccomp filter caught a forbidden "
           "system call");
    CHECK(signal_text(SIGTERM) == "15 (SIGTERM)");
}

TEST_CASE("stop signals from processes are forwarded; a terminal's Ctrl-C already reached the VMM")
{
    CHECK(should_forward(SIGTERM, SI_USER));
    CHECK(should_forward(SIGINT, SI_USER));
    CHECK(should_forward(SIGHUP, SI_KERNEL)); // A hangup may reach only the session leader.
    CHECK(should_forward(SIGQUIT, SI_QUEUE));
    CHECK_FALSE(should_forward(SIGINT, SI_KERNEL));
    CHECK_FALSE(should_forward(SIGQUIT, SI_KERNEL));
    CHECK_FALSE(should_forward(SIGUSR1, SI_USER));
    CHECK_FALSE(should_forward(SIGCHLD, SI_USER));
}
