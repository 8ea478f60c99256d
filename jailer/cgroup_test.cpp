// SPDX-License-Identifier: Apache-2.0
// The pure parts of the cgroup code: memory.events and controller lists.
#include "jailer/cgroup.h"

#include <doctest/doctest.h>

using namespace jail;

TEST_CASE("memory.events: the counters of an OOM kill")
{
    const auto events
        = parse_memory_events("low 0\nhigh 0\nmax 1337\noom 2\noom_kill 1\noom_group_kill 0\n");
    CHECK(events.max == 1337);
    CHECK(events.oom == 2);
    CHECK(events.oom_kill == 1);
}

TEST_CASE("memory.events: malformed lines are skipped, a missing file reads as no events")
{
    const auto events = parse_memory_events("oom_kill x\nmax\noom 1 2\n\nlow 3\noom_kill 4");
    CHECK(events.oom_kill == 4);
    CHECK(events.max == 0);
    CHECK(events.oom == 0);
    CHECK(parse_memory_events("").oom_kill == 0);
}
