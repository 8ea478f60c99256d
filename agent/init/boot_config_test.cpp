// SPDX-License-Identifier: Apache-2.0
#include "agent/init/boot_config.h"

#include <doctest/doctest.h>

using namespace agent::init;

TEST_CASE("no partvm keys: the default modules and hostname")
{
    const auto config = parse_cmdline("console=ttyS0 panic=-1 quiet\n");
    CHECK(config.modules == default_modules);
    CHECK(config.hostname == "partvm");
}

TEST_CASE("partvm.modules and partvm.hostname; empty list entries are skipped")
{
    const auto config
        = parse_cmdline("quiet partvm.modules=hv_vmbus,,hv_sock, partvm.hostname=box\tx=y\n");
    CHECK(config.modules == std::vector<std::string> { "hv_vmbus", "hv_sock" });
    CHECK(config.hostname == "box");
}

TEST_CASE("partvm.modules= loads nothing; the last repeated key wins; long names are cut")
{
    auto config = parse_cmdline("partvm.modules=a partvm.modules=");
    CHECK(config.modules.empty());
    config = parse_cmdline("partvm.hostname= partvm.hostname=" + std::string(100, 'h'));
    CHECK(config.hostname == std::string(64, 'h'));
    CHECK(parse_cmdline("xpartvm.modules=a").modules == default_modules);
}

TEST_CASE("partvm.disks=N adds the disk drivers once; a bad count means no disks")
{
    auto config = parse_cmdline("partvm.disks=2 partvm.modules=hv_vmbus,sd_mod");
    CHECK(config.disks == 2);
    CHECK(config.modules_to_load()
        == std::vector<std::string> { "hv_vmbus", "sd_mod", "hv_storvsc" });
    CHECK(parse_cmdline("partvm.disks=x").disks == 0);
    CHECK(parse_cmdline("partvm.disks=65").disks == 0);
    CHECK(parse_cmdline("partvm.disks=").disks == 0);
    CHECK(parse_cmdline("quiet").modules_to_load() == default_modules);
}

TEST_CASE("partvm.root=NAME: a bare device name; it adds the disk and overlay drivers")
{
    auto config = parse_cmdline("partvm.disks=1 partvm.root=sda partvm.modules=hv_vmbus");
    CHECK(config.root == "sda");
    CHECK(config.modules_to_load()
        == std::vector<std::string> { "hv_vmbus", "hv_storvsc", "sd_mod", "overlay" });
    CHECK(parse_cmdline("partvm.root=sdb1").root == "sdb1");
    CHECK(parse_cmdline("quiet").root.empty());
    // Paths and odd names are not device names: the initramfs stays the root.
    CHECK(parse_cmdline("partvm.root=/dev/sda").root.empty());
    CHECK(parse_cmdline("partvm.root=../sda").root.empty());
    CHECK(parse_cmdline("partvm.root=SDA").root.empty());
    CHECK(parse_cmdline("partvm.root=").root.empty());
    CHECK(parse_cmdline("partvm.root=" + std::string(33, 'a')).root.empty());
    CHECK(parse_cmdline("partvm.root=sda partvm.root=vda").root == "vda");
}
