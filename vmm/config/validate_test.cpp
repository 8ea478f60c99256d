// SPDX-License-Identifier: Apache-2.0
#include "vmm/config/validate.h"

#include <doctest/doctest.h>

#include <string>

using namespace vmm;

namespace {

VmConfig valid_config()
{
    VmConfig config;
    config.boot.kernel = "bzImage";
    return config;
}

} // namespace

TEST_CASE("validate accepts the defaults plus a kernel")
{
    CHECK(validate(valid_config()).empty());
}

TEST_CASE("validate requires a kernel")
{
    VmConfig config;
    auto errors = validate(config);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].to_string() == "boot.kernel: no kernel image given");
}

TEST_CASE("validate keeps vcpus between 1 and 254")
{
    VmConfig config = valid_config();
    config.machine.vcpus = 0;
    CHECK(validate(config).at(0).to_string() == "machine.vcpus: must be between 1 and 254, got 0");
    config.machine.vcpus = 255;
    CHECK(validate(config).at(0).message == "must be between 1 and 254, got 255");
    config.machine.vcpus = 254;
    CHECK(validate(config).empty());
}

TEST_CASE("validate keeps memory between 16 MiB and 1 TiB")
{
    VmConfig config = valid_config();
    config.machine.memory_bytes = 8ull << 20;
    CHECK(validate(config).at(0).to_string()
        == "machine.memory: 8 MiB is below the minimum of 16 MiB");
    config.machine.memory_bytes = 2ull << 40;
    CHECK(validate(config).at(0).message == "2 TiB is above the maximum of 1 TiB");
    config.machine.memory_bytes = 16ull << 20;
    CHECK(validate(config).empty());
    config.machine.memory_bytes = 1ull << 40;
    CHECK(validate(config).empty());
}

TEST_CASE("validate rejects memory that is not a whole number of pages")
{
    VmConfig config = valid_config();
    config.machine.memory_bytes = (64ull << 20) + 512;
    CHECK(validate(config).at(0).message == "67109376 bytes is not a multiple of 4 KiB");
}

TEST_CASE("validate rejects NUL bytes in the command line and paths")
{
    VmConfig config = valid_config();
    config.boot.cmdline = std::string("console=ttyS0\0init=/bin/sh", 26);
    config.boot.initrd = std::string("a\0b", 3);
    auto errors = validate(config);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].to_string() == "boot.initrd: the path contains a NUL byte");
    CHECK(errors[1].to_string() == "boot.cmdline: contains a NUL byte");
}

TEST_CASE("validate reports every problem at once")
{
    VmConfig config;
    config.machine.vcpus = 0;
    config.machine.memory_bytes = 4096;
    auto errors = validate(config);
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].key_path == "machine.memory");
    CHECK(errors[1].key_path == "machine.vcpus");
    CHECK(errors[2].key_path == "boot.kernel");
}

TEST_CASE("validate keeps the shutdown timeout within an hour")
{
    VmConfig config = valid_config();
    config.machine.shutdown_timeout_s = 3601;
    CHECK(validate(config).at(0).to_string()
        == "machine.shutdown_timeout: must be between 0 and 3600, got 3601");
    config.machine.shutdown_timeout_s = 0;
    CHECK(validate(config).empty());
}

TEST_CASE("validate keeps the vsock socket path short enough for PATH_<port>")
{
    VmConfig config = valid_config();
    config.vsock.socket = "/run/vm.sock";
    CHECK(validate(config).empty());
    config.vsock.socket = std::string(max_vsock_socket_path, 'x');
    CHECK(validate(config).empty());
    config.vsock.socket += "x";
    CHECK(validate(config).at(0).to_string()
        == "vsock.socket: the path is 97 bytes long; a Unix socket path may have at most 96 here");
    config.vsock.socket = std::string("a\0b", 3);
    CHECK(validate(config).at(0).to_string() == "vsock.socket: the path contains a NUL byte");
}

TEST_CASE("validate accepts disks with default and given serials")
{
    VmConfig config = valid_config();
    config.disks = { { "root.img", false, "", false }, { "/dev/sdb", true, "data", true } };
    CHECK(validate(config).empty());
    CHECK(disk_serial(config.disks[0], 0) == "partvm-disk-0");
    CHECK(disk_serial(config.disks[1], 1) == "data");
}

TEST_CASE("validate allows 64 disks, not 65")
{
    VmConfig config = valid_config();
    config.disks.resize(max_disks, DiskConfig { "a.img", false, "", false });
    CHECK(validate(config).empty());
    config.disks.push_back(DiskConfig { "a.img", false, "", false });
    auto errors = validate(config);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].to_string()
        == "disk[64].path: 65 disks given; a VM may have at most 64 (LUNs 0 to 63)");
}

TEST_CASE("validate checks each disk's path and serial, naming the disk and the value")
{
    VmConfig config = valid_config();
    config.disks = {
        { "", false, "", false },
        { std::string("a\0b", 3), false, "", false },
        { "c.img", false, std::string(33, 's'), false },
        { "d.img", false, "tab\there", false },
        { "e.img", false, std::string(32, '~'), false },
    };
    auto errors = validate(config);
    REQUIRE(errors.size() == 4);
    CHECK(errors[0].to_string() == "disk[0].path: no path given");
    CHECK(errors[1].to_string() == "disk[1].path: the path contains a NUL byte");
    CHECK(errors[2].to_string()
        == "disk[2].serial: '" + std::string(33, 's')
            + "' is 33 bytes long; a serial may have at most 32");
    CHECK(errors[3].to_string()
        == "disk[3].serial: may hold only printable ASCII characters (space to '~')");
}

TEST_CASE("validate wants unique serials, defaults included")
{
    VmConfig config = valid_config();
    config.disks = {
        { "a.img", false, "same", false },
        { "b.img", false, "same", false },
        { "c.img", false, "partvm-disk-3", false },
        { "d.img", false, "", false },
    };
    auto errors = validate(config);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].to_string()
        == "disk[1].serial: 'same' is the serial of disk[0] too; serials must be unique");
    CHECK(errors[1].to_string()
        == "disk[3].serial: 'partvm-disk-3' is the serial of disk[2] too; serials must be unique");
}
