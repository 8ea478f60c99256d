// SPDX-License-Identifier: Apache-2.0
// The environment a command gets and the paths tried for it.
#include "agent/server/command.h"

#include <doctest/doctest.h>

using namespace agent::server;

TEST_CASE("defaults: PATH and HOME, TERM only with a tty")
{
    const auto env = build_environment({}, "/root", false);
    CHECK(env == std::vector<std::string> { "PATH=" + std::string(default_path), "HOME=/root" });
    const auto tty = build_environment({}, "/", true);
    REQUIRE(tty.size() == 3);
    CHECK(tty[2] == "TERM=xterm-256color");
}

TEST_CASE("the host's variables replace defaults and earlier duplicates, in order")
{
    const auto env
        = build_environment({ "TERM=vt100", "A=1", "PATH=/x", "A=2", "B=" }, "/home/a", true);
    CHECK(env == std::vector<std::string> { "PATH=/x", "HOME=/home/a", "TERM=vt100", "A=2", "B=" });
    CHECK(*find_variable(env, "PATH") == "PATH=/x");
    CHECK(*find_variable(env, "B") == "B=");
    CHECK(find_variable(env, "PAT") == nullptr);
    CHECK(find_variable(env, "C") == nullptr);
}

TEST_CASE("command candidates: a path as is, else each PATH entry; empty entries mean '.'")
{
    CHECK(command_candidates("/bin/ls", "/a:/b") == std::vector<std::string> { "/bin/ls" });
    CHECK(command_candidates("./run", "/a") == std::vector<std::string> { "./run" });
    CHECK(command_candidates("ls", "/a:/b") == std::vector<std::string> { "/a/ls", "/b/ls" });
    CHECK(command_candidates("ls", ":/a:") == std::vector<std::string> { "./ls", "/a/ls", "./ls" });
    CHECK(command_candidates("ls", "") == std::vector<std::string> { "./ls" });
    CHECK(command_candidates("", "/a").empty());
}
