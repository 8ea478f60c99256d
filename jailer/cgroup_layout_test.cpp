// SPDX-License-Identifier: Apache-2.0
#include "jailer/cgroup_layout.h"

#include "tests/support/temp_dir.h"

#include <doctest/doctest.h>

using namespace jail;

TEST_CASE("cgroup facts: missing_names lists the wanted names absent from the list")
{
    CHECK(missing_names("cpuset cpu io memory pids\n", jail_controllers).empty());
    CHECK(missing_names("cpu io\n", jail_controllers)
        == std::vector<std::string> { "memory", "pids" });
    CHECK(missing_names("", jail_controllers).size() == 3);
    CHECK(missing_names("cpuacct memoryx", jail_controllers).size() == 3); // Whole words only.
}

TEST_CASE("cgroup facts: a unified root with every controller is no problem for the jail")
{
    CHECK(jail_cgroup_problem({ CgroupLayout::Unified, "cpu memory pids" }).empty());
}

TEST_CASE("cgroup facts: an absent mount says how to mount cgroup v2")
{
    CHECK(jail_cgroup_problem({ CgroupLayout::Absent, "" }, "/x")
        == "no cgroup filesystem is mounted at /x; the jailer needs cgroup v2 there (mount -t "
           "cgroup2 none /x)");
}

TEST_CASE("cgroup facts: a directory that is no cgroup mount probes as absent")
{
    const partvm_test::TempDir dir("cgroup-facts");
    const CgroupFacts facts = probe_cgroup(dir.path());
    CHECK(facts.layout == CgroupLayout::Absent);
    CHECK(facts.controllers.empty());
}
