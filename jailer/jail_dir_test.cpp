// SPDX-License-Identifier: Apache-2.0
// The jail directory: creation, and the removal that never follows a symlink out of the tree.
#include "jailer/jail_dir.h"

#include "tests/support/temp_dir.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace jail;
namespace fs = std::filesystem;
using partvm_test::TempDir;

TEST_CASE("remove_tree removes files, directories and symlinks, never what a symlink points to")
{
    TempDir scratch("jailer-dir-test");
    const std::string outside = scratch.path() + "/outside";
    fs::create_directories(outside + "/keep");
    std::ofstream(outside + "/keep/file") << "precious";
    const std::string tree = scratch.path() + "/tree";
    fs::create_directories(tree + "/root/dev/net");
    fs::create_directories(tree + "/root/a/b/c");
    std::ofstream(tree + "/root/a/b/c/file") << "x";
    std::ofstream(tree + "/root/partvm") << "x";
    fs::create_directory_symlink(outside, tree + "/root/escape");
    fs::create_symlink(outside + "/keep/file", tree + "/root/a/link");
    ::mkfifo((tree + "/root/fifo").c_str(), 0600);
    ::chmod((tree + "/root/a/b").c_str(), 0); // Unreadable to others; root removes it anyway.

    REQUIRE(remove_tree(tree));
    CHECK_FALSE(fs::exists(tree));
    CHECK(fs::exists(outside + "/keep/file"));
}

TEST_CASE("remove_tree on a symlink to a directory refuses to follow it")
{
    TempDir scratch("jailer-dir-test");
    fs::create_directory(scratch.path() + "/real");
    std::ofstream(scratch.path() + "/real/file") << "x";
    fs::create_directory_symlink(scratch.path() + "/real", scratch.path() + "/link");
    auto removed = remove_tree(scratch.path() + "/link");
    CHECK_FALSE(removed);
    CHECK(fs::exists(scratch.path() + "/real/file"));
    CHECK(remove_tree(scratch.path() + "/absent"));
}

TEST_CASE("a jail directory is created once per id, and removed whole")
{
    TempDir scratch("jailer-dir-test");
    const std::string base = scratch.path() + "/jails";
    auto jail = JailDir::create(base, "partvm", "vm1");
    REQUIRE(jail);
    CHECK(jail->path() == base + "/partvm/vm1");
    CHECK(fs::is_directory(jail->root()));
    CHECK((fs::status(jail->root()).permissions() & fs::perms::all) == fs::perms(0755));
    CHECK((fs::status(jail->path()).permissions() & fs::perms::all) == fs::perms(0700));

    auto again = JailDir::create(base, "partvm", "vm1");
    REQUIRE_FALSE(again);
    CHECK(
        again.error().message.find("already exists: another VM with id vm1") != std::string::npos);

    std::ofstream(jail->root() + "/file") << "x";
    REQUIRE(jail->remove());
    CHECK_FALSE(fs::exists(base + "/partvm/vm1"));
    CHECK(fs::is_directory(base + "/partvm")); // Shared by the other VMs of this binary.
}

TEST_CASE("a jail directory removes itself when dropped on an error path")
{
    TempDir scratch("jailer-dir-test");
    {
        auto jail = JailDir::create(scratch.path(), "vmm", "x");
        REQUIRE(jail);
    }
    CHECK_FALSE(fs::exists(scratch.path() + "/vmm/x"));
}

TEST_CASE("mountinfo: the mounts at or below a path, with escapes decoded")
{
    const std::string mountinfo
        = "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
          "30 22 0:25 / /srv/jails/partvm/vm1/root rw - tmpfs tmpfs rw\n"
          "31 22 0:26 / /srv/jails/partvm/vm10 rw - tmpfs tmpfs rw\n"
          "32 22 0:27 / /srv/jails/partvm/vm1/root/my\\040dir rw - tmpfs tmpfs rw\n"
          "malformed\n";
    const auto found = mounts_under(mountinfo, "/srv/jails/partvm/vm1");
    REQUIRE(found.size() == 2);
    CHECK(found[0] == "/srv/jails/partvm/vm1/root");
    CHECK(found[1] == "/srv/jails/partvm/vm1/root/my dir");
    CHECK(mounts_under(mountinfo, "/srv/jails/partvm/vm2").empty());
}
