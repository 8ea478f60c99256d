// SPDX-License-Identifier: Apache-2.0
// /etc/passwd and /etc/group parsing, and every form of EXEC's user field.
#include "agent/server/users.h"

#include <doctest/doctest.h>

#include <cerrno>

using namespace agent::server;

namespace {

constexpr std::string_view passwd = "root:x:0:0:root:/root:/bin/sh\n"
                                    "broken line without fields\n"
                                    "bad:x:notanumber:1::/:/bin/sh\n"
                                    "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n"
                                    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                                    "nohome:x:1001:1001:::/bin/sh";
constexpr std::string_view group = "root:x:0:\n"
                                   "wheel:x:10:alice,bob\n"
                                   "audio:x:29:bob,alice\n"
                                   "users:x:100:\n"
                                   "nogroup:x:65534:\n"
                                   "video:x:44:alicex";

} // namespace

TEST_CASE("passwd entries by name and by uid; malformed lines are skipped")
{
    auto alice = find_passwd(passwd, "alice");
    REQUIRE(alice);
    CHECK(alice->uid == 1000);
    CHECK(alice->gid == 1000);
    CHECK(alice->home == "/home/alice");
    auto by_uid = find_passwd(passwd, {}, 65534);
    REQUIRE(by_uid);
    CHECK(by_uid->name == "nobody");
    CHECK_FALSE(find_passwd(passwd, "bad"));
    CHECK_FALSE(find_passwd(passwd, "broken line without fields"));
    CHECK_FALSE(find_passwd(passwd, "carol"));
    CHECK_FALSE(find_passwd(passwd, {}, 4242));
    CHECK_FALSE(find_passwd(passwd, {}));
    CHECK(find_passwd(passwd, "nohome")->home.empty());
}

TEST_CASE("groups by name, and the supplementary groups a user is listed in")
{
    CHECK(find_group(group, "wheel") == 10u);
    CHECK_FALSE(find_group(group, "nope"));
    CHECK(member_groups(group, "alice") == std::vector<gid_t> { 10, 29 });
    CHECK(member_groups(group, "root").empty());
}

TEST_CASE("ids: decimal, below (uid_t)-1")
{
    CHECK(parse_id("0") == 0u);
    CHECK(parse_id("4294967294") == 4294967294u);
    CHECK_FALSE(parse_id("4294967295"));
    CHECK_FALSE(parse_id("4294967296"));
    CHECK_FALSE(parse_id(""));
    CHECK_FALSE(parse_id("12a"));
    CHECK_FALSE(parse_id("-1"));
    CHECK_FALSE(parse_id(" 1"));
}

TEST_CASE("user field: name, uid, name:group, uid:gid")
{
    auto alice = resolve_user("alice", passwd, group);
    REQUIRE(alice);
    CHECK(alice->uid == 1000);
    CHECK(alice->gid == 1000);
    CHECK(alice->home == "/home/alice");
    CHECK(alice->groups == std::vector<gid_t> { 10, 29 });

    auto by_uid = resolve_user("1000", passwd, group);
    REQUIRE(by_uid);
    CHECK(by_uid->gid == 1000);
    CHECK(by_uid->groups == std::vector<gid_t> { 10, 29 });

    auto unknown_uid = resolve_user("4242", passwd, group);
    REQUIRE(unknown_uid);
    CHECK(unknown_uid->uid == 4242);
    CHECK(unknown_uid->gid == 4242);
    CHECK(unknown_uid->home == "/");
    CHECK(unknown_uid->groups.empty());

    auto with_group = resolve_user("alice:users", passwd, group);
    REQUIRE(with_group);
    CHECK(with_group->gid == 100);
    auto numeric = resolve_user("5:6", passwd, group);
    REQUIRE(numeric);
    CHECK(numeric->uid == 5);
    CHECK(numeric->gid == 6);
    CHECK(resolve_user("nohome", passwd, group)->home == "/");
}

TEST_CASE("user field errors: ENOENT for unknown names, EINVAL for bad syntax")
{
    CHECK(resolve_user("carol", passwd, group).error() == ENOENT);
    CHECK(resolve_user("alice:nogroupnamed", passwd, group).error() == ENOENT);
    CHECK(resolve_user(":1", passwd, group).error() == EINVAL);
    CHECK(resolve_user("1:", passwd, group).error() == EINVAL);
    CHECK(resolve_user("4294967295", passwd, group).error() == ENOENT);
}
