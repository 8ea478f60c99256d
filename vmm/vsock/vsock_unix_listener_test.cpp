// SPDX-License-Identifier: Apache-2.0
#include "vmm/vsock/vsock_unix_listener.h"

#include "tests/support/temp_dir.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <filesystem>
#include <sys/socket.h>
#include <unistd.h>

using namespace vmm;
using partvm_test::TempDir;

TEST_CASE("the vsock socket listens at its path and removes it when done")
{
    TempDir dir("vsock-test");
    const std::string path = dir.file("vm.sock");
    {
        auto listener = VsockUnixListener::create(path);
        REQUIRE(listener);
        CHECK(std::filesystem::is_socket(path));
        auto client = connect_unix(path);
        REQUIRE(client);
        CHECK((*listener)->accept().valid());
        CHECK_FALSE((*listener)->accept().valid()); // Nobody else waits.
    }
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a live vsock socket is refused; a stale one is replaced")
{
    TempDir dir("vsock-test");
    const std::string path = dir.file("vm.sock");
    auto first = VsockUnixListener::create(path);
    REQUIRE(first);
    auto second = VsockUnixListener::create(path);
    REQUIRE_FALSE(second);
    CHECK(second.error().find("another program is listening") != std::string::npos);
    CHECK(std::filesystem::exists(path)); // The refusal left the live socket alone.

    // A socket file nobody listens on: what a killed partvm leaves behind.
    first.value().reset();
    {
        UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un address {};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, path.data(), path.size());
        REQUIRE(
            ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
    }
    REQUIRE(std::filesystem::exists(path));
    auto replaced = VsockUnixListener::create(path);
    CHECK(replaced);
}

TEST_CASE("the vsock socket never replaces a file that is not a socket, nor a long path")
{
    TempDir dir("vsock-test");
    const std::string path = dir.file("data");
    UniqueFd file(::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    REQUIRE(file.valid());
    auto refused = VsockUnixListener::create(path);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().find("not a socket") != std::string::npos);
    CHECK(std::filesystem::exists(path));

    CHECK_FALSE(VsockUnixListener::create(dir.file(std::string(120, 'x'))));
    CHECK_FALSE(VsockUnixListener::create(""));
}

TEST_CASE("the path is left alone if something replaced our socket")
{
    TempDir dir("vsock-test");
    const std::string path = dir.file("vm.sock");
    auto listener = VsockUnixListener::create(path);
    REQUIRE(listener);
    std::filesystem::remove(path);
    UniqueFd file(::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    listener.value().reset();
    CHECK(std::filesystem::exists(path));
}

TEST_CASE("connect_unix fails where nobody listens")
{
    TempDir dir("vsock-test");
    CHECK_FALSE(connect_unix(dir.file("nothing")));
}
