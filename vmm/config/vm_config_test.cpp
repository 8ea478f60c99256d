// SPDX-License-Identifier: Apache-2.0
#include "vmm/config/vm_config.h"

#include <doctest/doctest.h>

using namespace vmm;

TEST_CASE("vm config defaults to 256 MiB, two vCPUs, no serial console")
{
    VmConfig config;
    CHECK(config.machine.memory_bytes == 256ull << 20);
    CHECK(config.machine.vcpus == 2);
    CHECK(config.boot.kernel.empty());
    CHECK(config.boot.initrd.empty());
    CHECK_FALSE(config.boot.cmdline_set);
    CHECK_FALSE(config.console.serial);
}

TEST_CASE("config error prints file, line, column, key and message")
{
    ConfigError error { "vm.toml", 3, 1, "machine.memroy", "unknown key" };
    CHECK(error.to_string() == "vm.toml:3:1: machine.memroy: unknown key");
}

TEST_CASE("config error leaves out the parts that are empty")
{
    CHECK(ConfigError { "vm.toml", 0, 0, "", "cannot open: No such file or directory" }.to_string()
        == "vm.toml: cannot open: No such file or directory");
    CHECK(ConfigError { "", 0, 0, "boot.kernel", "no kernel image given" }.to_string()
        == "boot.kernel: no kernel image given");
    CHECK(ConfigError { "vm.toml", 7, 0, "", "bad" }.to_string() == "vm.toml:7: bad");
    CHECK(ConfigError { "", 2, 5, "", "bad" }.to_string() == "2:5: bad");
    CHECK(ConfigError { "", 0, 0, "", "bad" }.to_string() == "bad");
}
