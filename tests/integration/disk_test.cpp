// SPDX-License-Identifier: Apache-2.0
// Disks end to end: image files attached with --disk reach a real guest kernel as SCSI disks
// (hv_storvsc), its reads see the image's bytes, its synced writes land in the image, and a
// read-only disk refuses writes at the device, not only in the guest's own bookkeeping.
#include "tests/integration/process.h"
#include "tests/integration/run_support.h"
#include "tests/support/temp_dir.h"

#include <doctest/doctest.h>
#include <fstream>

using namespace partvm_test;

namespace {

constexpr uint64_t image_bytes = 8 << 20;

/// A sparse image of `bytes` with `text` at byte `offset`, writable by the jailed VMM's uid (partvm
/// refuses to chown a user's image).
std::string make_image(const TempDir& dir, const std::string& name, uint64_t offset = 0,
    const std::string& text = "", uint64_t bytes = image_bytes)
{
    const std::string path = dir.file(name);
    {
        std::ofstream out(path, std::ios::binary);
        out.seekp(long(offset));
        out << text;
    }
    std::filesystem::resize_file(path, bytes);
    std::filesystem::permissions(path, std::filesystem::perms(0666));
    return path;
}

/// sha256 of `count` 64 KiB blocks of `path` from block `skip`, as the guest's sha256sum prints.
std::string host_sha256(const std::string& path, int skip, int count)
{
    auto result = run_process({ "sh", "-c",
        "dd if='" + path + "' bs=64k skip=" + std::to_string(skip)
            + " count=" + std::to_string(count) + " 2>/dev/null | sha256sum | cut -d' ' -f1" });
    REQUIRE(result.exit_code == 0);
    return result.out;
}

} // namespace

TEST_SUITE("kvm")
{
    TEST_CASE("disk: the guest sees /dev/sda with the image's size and reads its bytes")
    {
        TempDir dir("partvm-disk");
        const auto image = make_image(dir, "a.img", 1 << 20, "partvm-disk-marker");

        auto result = run_process(run_command({ "--disk", image },
            { "sh", "-c",
                "cat /sys/block/sda/size; dd if=/dev/sda bs=512 skip=2048 count=1 2>/dev/null"
                " | head -c 18; echo" }));

        INFO(result);
        CHECK(result.out == std::to_string(image_bytes / 512) + "\npartvm-disk-marker\n");
        CHECK(result.exit_code == 0);
    }

    TEST_CASE("disk: what the guest writes and syncs is in the image once the VM is gone")
    {
        TempDir dir("partvm-disk");
        const auto image = make_image(dir, "a.img");

        auto result = run_process(run_command({ "--disk", image },
            { "sh", "-c",
                "dd if=/dev/urandom of=/tmp/data bs=64k count=16 2>/dev/null"
                " && dd if=/tmp/data of=/dev/sda bs=64k seek=4 conv=fsync 2>/dev/null"
                " && sha256sum /tmp/data | cut -d' ' -f1" }));

        INFO(result);
        REQUIRE(result.exit_code == 0);
        CHECK(result.out.size() == 65);
        CHECK(host_sha256(image, 4, 16) == result.out);
    }

    TEST_CASE("disk: a read-only disk refuses writes, and the image is unchanged")
    {
        TempDir dir("partvm-disk");
        const auto image = make_image(dir, "ro.img", 0, "read-only-content");
        const auto before = host_sha256(image, 0, 128);

        // blockdev --setrw lifts the guest's own read-only flag, so the write reaches the device.
        auto result = run_process(run_command({ "--disk", image + ",ro" },
            { "sh", "-c",
                "cat /sys/block/sda/ro; blockdev --setrw /dev/sda;"
                " dd if=/dev/zero of=/dev/sda bs=4k count=1 conv=fsync 2>/dev/null;"
                " echo write=$?" }));

        INFO(result);
        CHECK(result.out.rfind("1\nwrite=1\n", 0) == 0);
        CHECK(result.exit_code == 0);
        CHECK(host_sha256(image, 0, 128) == before);
    }

    TEST_CASE("disk: two disks are sda and sdb, in the order given")
    {
        TempDir dir("partvm-disk");
        const auto first = make_image(dir, "first.img", 0, "first");
        const auto second = make_image(dir, "second.img", 0, "second", 2 << 20);

        auto result = run_process(run_command({ "--disk", first, "--disk", second },
            { "sh", "-c",
                "cat /sys/block/sda/size /sys/block/sdb/size; head -c 5 /dev/sda; echo;"
                " head -c 6 /dev/sdb; echo" }));

        INFO(result);
        CHECK(result.out
            == std::to_string(image_bytes / 512) + "\n" + std::to_string((2 << 20) / 512)
                + "\nfirst\nsecond\n");
        CHECK(result.exit_code == 0);
    }
}
