// SPDX-License-Identifier: Apache-2.0
// The jailer's value syntaxes: ids, uids, cgroup settings, rlimits and bind-mount specs.
#include "jailer/specs.h"

#include <doctest/doctest.h>

using namespace jail;

TEST_CASE("VM ids are 1 to 64 letters, digits, '_' or '-'")
{
    CHECK(valid_vm_id("vm-1_A"));
    CHECK(valid_vm_id(std::string(64, 'a')));
    CHECK_FALSE(valid_vm_id(""));
    CHECK_FALSE(valid_vm_id(std::string(65, 'a')));
    CHECK_FALSE(valid_vm_id("../x"));
    CHECK_FALSE(valid_vm_id("a b"));
    CHECK_FALSE(valid_vm_id("a.b"));
}

TEST_CASE("uids and gids are decimal, never 0 and never -1")
{
    CHECK(parse_id_number("--uid", "1000").value() == 1000u);
    CHECK(parse_id_number("--uid", "4294967294").value() == 4294967294u);
    auto root = parse_id_number("--uid", "0");
    REQUIRE_FALSE(root);
    CHECK(root.error().exit_status == exit_usage);
    CHECK(root.error().message
        == "--uid 0: refusing to run the VMM as root; give an unprivileged id");
    CHECK_FALSE(parse_id_number("--gid", "4294967295"));
    CHECK_FALSE(parse_id_number("--gid", "-1"));
    CHECK_FALSE(parse_id_number("--gid", "nobody"));
    CHECK_FALSE(parse_id_number("--gid", "12a"));
    CHECK(parse_id_number("--gid", "").error().message.rfind("--gid : not a numeric id", 0) == 0);
}

TEST_CASE("cgroup settings are controller.name=value with a one-line value")
{
    auto memory = parse_cgroup_setting("memory.max=300M");
    REQUIRE(memory);
    CHECK(memory->key == "memory.max");
    CHECK(memory->value == "300M");
    CHECK(parse_cgroup_setting("cpu.max=100000 100000")->value == "100000 100000");
    CHECK(parse_cgroup_setting("memory.swap.max=0")->key == "memory.swap.max");
    CHECK(parse_cgroup_setting("pids.max=a=b")->value == "a=b");
}

TEST_CASE("cgroup keys that are no interface file, or the jailer's own files, are refused")
{
    for (const char* text : { "memory.max", "max=1", "memory=1", ".max=1", "memory.=1",
             "Memory.max=1", "memory/../x.max=1", "../cgroup.procs=1", "memory.max/x=1" }) {
        INFO(text);
        auto result = parse_cgroup_setting(text);
        REQUIRE_FALSE(result);
        CHECK(result.error().exit_status == exit_usage);
        CHECK(result.error().message.find(text) != std::string::npos);
    }
    CHECK(parse_cgroup_setting("cgroup.procs=1").error().message.find("managed by the jailer")
        != std::string::npos);
    CHECK(parse_cgroup_setting("cgroup.kill=1").error().message.find("managed by the jailer")
        != std::string::npos);
    CHECK_FALSE(parse_cgroup_setting("memory.max="));
    CHECK_FALSE(parse_cgroup_setting("memory.max=1\n2"));
}

TEST_CASE("rlimits by name, as a number or unlimited")
{
    auto nofile = parse_rlimit("nofile=4096");
    REQUIRE(nofile);
    CHECK(nofile->resource == RLIMIT_NOFILE);
    CHECK(nofile->value == 4096);
    CHECK(parse_rlimit("fsize=unlimited")->value == RLIM_INFINITY);
    CHECK(parse_rlimit("core=0")->resource == RLIMIT_CORE);
    CHECK(rlimit_resource("nproc") == RLIMIT_NPROC);
    CHECK(rlimit_resource("memlock") == RLIMIT_MEMLOCK);
    CHECK_FALSE(rlimit_resource("NOFILE"));
    CHECK_FALSE(rlimit_resource("files"));
    CHECK(parse_rlimit("files=1").error().message.find("unknown limit 'files' (known: as, core")
        != std::string::npos);
    CHECK_FALSE(parse_rlimit("nofile"));
    CHECK_FALSE(parse_rlimit("nofile=-1"));
    CHECK_FALSE(parse_rlimit("nofile=1k"));
}

TEST_CASE("mount specs: HOST_PATH[:JAIL_PATH], split at the last colon before a '/'")
{
    auto plain = parse_mount_spec("--file", "/images/vmlinux");
    REQUIRE(plain);
    CHECK(plain->host == "/images/vmlinux");
    CHECK(plain->jail == "/vmlinux");
    auto renamed = parse_mount_spec("--file", "/images/bzImage-6.1:/boot/kernel");
    CHECK(renamed->host == "/images/bzImage-6.1");
    CHECK(renamed->jail == "/boot/kernel");
    auto colons = parse_mount_spec("--dir", "/run/a:b:/sock");
    CHECK(colons->host == "/run/a:b");
    CHECK(colons->jail == "/sock");
    CHECK(parse_mount_spec("--dir", "run/a:b")->host == "run/a:b");
    CHECK(parse_mount_spec("--dir", "run/sockets/")->jail == "/sockets");
}

TEST_CASE("mount specs with an unusable jail path are refused, naming the option")
{
    for (const char* text :
        { "/x:/", "/x:/a/../b", "/x:/a//b", "/x:/a/", "/x:/./a", "/", ":/a", "" }) {
        INFO(text);
        auto result = parse_mount_spec("--file", text);
        REQUIRE_FALSE(result);
        CHECK(result.error().message.rfind(std::string("--file ") + text + ":", 0) == 0);
    }
}

TEST_CASE("path helpers")
{
    CHECK(base_name("build/partvm") == "partvm");
    CHECK(base_name("partvm") == "partvm");
    CHECK(base_name("/a/b/") == "b");
    CHECK(base_name("/") == "");
    CHECK(normal_absolute_path("/a/b"));
    CHECK_FALSE(normal_absolute_path("/"));
    CHECK_FALSE(normal_absolute_path("a/b"));
    CHECK(path_contains("/a", "/a"));
    CHECK(path_contains("/a", "/a/b"));
    CHECK_FALSE(path_contains("/a", "/ab"));
    CHECK_FALSE(path_contains("/a/b", "/a"));
}
