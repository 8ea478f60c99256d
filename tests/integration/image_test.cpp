// SPDX-License-Identifier: Apache-2.0
// Root filesystems on disks end to end: `partvm run --image` boots the agent from its initramfs,
// which makes the image (read-only, under a tmpfs overlay) the command's /. The image is
// rootfs/debian-image.sh's Debian bookworm with python3, linked into BUILD/images by
// rootfs/install-images.sh.
#include "tests/integration/process.h"
#include "tests/integration/run_support.h"
#include "tests/support/temp_dir.h"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

using namespace partvm_test;

namespace {

std::string debian_image()
{
    const std::string path = images_dir() + "/debian.ext4";
    INFO("build it with rootfs/install-images.sh (or rootfs/debian-image.sh, as root)");
    REQUIRE(std::filesystem::exists(path));
    return path;
}

} // namespace

TEST_SUITE("kvm")
{
    TEST_CASE("image: python3 from the Debian image runs")
    {
        auto result = run_process(
            run_command({ "--image", debian_image() }, { "python3", "-c", "print(6*7)" }));
        INFO(result);
        CHECK(result.out == "42\n");
        CHECK(result.exit_code == 0);
    }

    TEST_CASE("image: / is the image's, bookworm's /etc/debian_version")
    {
        auto result = run_process(
            run_command({ "--image", debian_image() }, { "cat", "/etc/debian_version" }));
        INFO(result);
        CHECK(result.out.starts_with("12."));
        CHECK(result.exit_code == 0);
    }

    TEST_CASE("image: writes go to the overlay and vanish with the VM; the image is unchanged")
    {
        const std::string image = debian_image();
        const std::string before = host_sha256(image);
        auto wrote = run_process(run_command({ "--image", image },
            { "sh", "-c",
                "echo partvm > /marker && rm -f /etc/debian_version && mkdir -p /usr/new"
                " && cat /marker && ls /etc/debian_version 2>/dev/null; sync" }));
        INFO(wrote);
        CHECK(wrote.out == "partvm\n");
        auto next = run_process(run_command({ "--image", image },
            { "sh", "-c",
                "ls /marker /usr/new 2>&1 >/dev/null | wc -l; cat /etc/debian_version" }));
        INFO(next);
        CHECK(next.out.starts_with("2\n12."));
        CHECK(next.exit_code == 0);
        CHECK(host_sha256(image) == before);
    }

    TEST_CASE("image: Debian's stock kernel loads overlay as a module and runs from the image")
    {
        const std::string stock = images_dir() + "/stock";
        auto result
            = run_process(run_command({ "--kernel", stock + "/bzImage", "--rootfs",
                                          stock + "/initrd.img", "--image", debian_image() },
                { "sh", "-c", "grep -c overlay /proc/filesystems; python3 -c 'print(6*7)'" }));
        INFO(result);
        CHECK(result.out == "1\n42\n");
        CHECK(result.exit_code == 0);
    }

    TEST_CASE("image: a root disk without a filesystem stops the VM; nothing runs on the initramfs")
    {
        TempDir dir("partvm-image");
        const std::string blank = dir.file("blank.img");
        std::ofstream(blank).close();
        std::filesystem::resize_file(blank, 8 << 20); // zeros: no filesystem on it
        std::filesystem::permissions(blank, std::filesystem::perms(0644));
        auto result = run_process(run_command(
            { "--disk", blank + ",ro", "--cmdline", "panic=-1 quiet partvm.disks=1 partvm.root=sda",
                "--agent-timeout", "20" },
            { "echo", "ran" }));
        INFO(result);
        CHECK(result.out.empty());
        CHECK(result.exit_code == 125);
    }

    TEST_CASE("image: a missing image is refused before the VM, naming it")
    {
        TempDir dir("partvm-image");
        auto result = run_process(run_command({ "--image", dir.file("none.ext4") }, { "true" }));
        INFO(result);
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("none.ext4") != std::string::npos);
    }

    TEST_CASE("image: a disk formatted ext4 in one VM, files checksummed, verifies in the next")
    {
        TempDir dir("partvm-image");
        const std::string scratch = dir.file("scratch.img");
        std::ofstream(scratch).close();
        std::filesystem::resize_file(scratch, 64 << 20);
        std::filesystem::permissions(scratch, std::filesystem::perms(0666));

        auto first = run_process(run_command({ "--image", debian_image(), "--disk", scratch },
            { "sh", "-c",
                "mkfs.ext4 -q /dev/sdb && mount /dev/sdb /mnt && cd /mnt"
                " && for i in 1 2 3; do head -c 3000000 /dev/urandom > f$i; done"
                " && sha256sum f1 f2 f3 > sums && cd / && umount /mnt && echo formatted" }));
        INFO(first);
        REQUIRE(first.out == "formatted\n");
        REQUIRE(first.exit_code == 0);

        auto second = run_process(run_command({ "--image", debian_image(), "--disk", scratch },
            { "sh", "-c", "mount /dev/sdb /mnt && cd /mnt && sha256sum -c sums" }));
        INFO(second);
        CHECK(second.out == "f1: OK\nf2: OK\nf3: OK\n");
        CHECK(second.exit_code == 0);
    }
}
