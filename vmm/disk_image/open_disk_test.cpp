// SPDX-License-Identifier: Apache-2.0
// open_disk() on real files in a scratch directory.
#include "vmm/disk_image/open_disk.h"

#include "tests/support/temp_dir.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <string>

using namespace vmm;
using partvm_test::TempDir;

namespace {

DiskConfig disk_at(std::string path, bool read_only = false)
{
    return DiskConfig { std::move(path), read_only, "", false };
}

std::string error_of(const DiskConfig& disk)
{
    auto opened = open_disk(disk);
    REQUIRE_FALSE(opened.has_value());
    return opened.error().message;
}

} // namespace

TEST_CASE("open_disk: a file of whole sectors opens writable, sized, not a block device")
{
    TempDir dir;
    const std::string path = dir.write_file("a.img", std::string(4096, 'x'));
    auto opened = open_disk(disk_at(path));
    REQUIRE(opened.has_value());
    CHECK(opened->fd.valid());
    CHECK(opened->size_bytes == 4096);
    CHECK(opened->block_size == 512);
    CHECK(opened->block_count() == 8);
    CHECK_FALSE(opened->block_device);
    CHECK_FALSE(opened->read_only);
    const int flags = ::fcntl(opened->fd.get(), F_GETFL);
    CHECK((flags & O_ACCMODE) == O_RDWR);
    CHECK((flags & O_NONBLOCK) == 0);
    CHECK((::fcntl(opened->fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE("open_disk: read_only opens O_RDONLY")
{
    TempDir dir;
    const std::string path = dir.write_file("a.img", std::string(512, 'x'));
    auto opened = open_disk(disk_at(path, true));
    REQUIRE(opened.has_value());
    CHECK((::fcntl(opened->fd.get(), F_GETFL) & O_ACCMODE) == O_RDONLY);
    CHECK(opened->read_only);
}

TEST_CASE("open_disk: an empty file, a partial sector, a directory and a missing file are refused")
{
    TempDir dir;
    const std::string empty = dir.write_file("empty.img", "");
    CHECK(error_of(disk_at(empty))
        == "disk '" + empty + "': is empty; a disk needs at least one 512-byte sector");
    const std::string odd = dir.write_file("odd.img", std::string(1000, 'x'));
    CHECK(error_of(disk_at(odd))
        == "disk '" + odd + "': its size, 1000 bytes, is not a multiple of 512 (the sector size)");
    CHECK(error_of(disk_at(dir.path()))
        == "disk '" + dir.path() + "': is a directory, not a disk image or block device");
    CHECK(error_of(disk_at(dir.path(), true))
        == "disk '" + dir.path() + "': is a directory, not a disk image or block device");
    const std::string missing = dir.file("missing.img");
    CHECK(error_of(disk_at(missing))
        == "disk '" + missing + "': cannot open it for writing: No such file or directory");
    CHECK(error_of(disk_at(missing, true))
        == "disk '" + missing + "': cannot open it for reading: No such file or directory");
}

TEST_CASE("open_disk: a character device is refused")
{
    CHECK(error_of(disk_at("/dev/null", true))
        == "disk '/dev/null': is not a regular file or block device");
}

TEST_CASE("open_disk: a FIFO is refused without waiting for a writer")
{
    TempDir dir;
    const std::string fifo = dir.file("fifo");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(error_of(disk_at(fifo, true))
        == "disk '" + fifo + "': is not a regular file or block device");
}

TEST_CASE("open_disk: a second writer of one image is refused while the first holds it")
{
    TempDir dir;
    const std::string path = dir.write_file("a.img", std::string(512, 'x'));
    auto first = open_disk(disk_at(path));
    REQUIRE(first.has_value());
    CHECK(error_of(disk_at(path))
        == "disk '" + path
            + "': is locked by another process (another VM using it?); a writable disk is one "
              "VM's alone");
    CHECK(error_of(disk_at(path, true))
        == "disk '" + path
            + "': is locked for writing by another process (another VM using it writable?)");
    first->fd.reset(); // Closing releases the lock.
    CHECK(open_disk(disk_at(path)).has_value());
}

TEST_CASE("open_disk: readers share an image, and keep writers out")
{
    TempDir dir;
    const std::string path = dir.write_file("a.img", std::string(512, 'x'));
    auto first = open_disk(disk_at(path, true));
    auto second = open_disk(disk_at(path, true));
    CHECK(first.has_value());
    CHECK(second.has_value());
    CHECK(error_of(disk_at(path)).find("is locked by another process") != std::string::npos);
}

TEST_CASE("open_disks: LUN order, default serials, and the failing disk named")
{
    TempDir dir;
    const std::string a = dir.write_file("a.img", std::string(512, 'x'));
    const std::string b = dir.write_file("b.img", std::string(1024, 'x'));
    const DiskConfig disks[] = { disk_at(a), { b, true, "data", false } };
    auto opened = open_disks(disks);
    REQUIRE(opened.has_value());
    REQUIRE(opened->size() == 2);
    CHECK(opened->at(0).serial == "partvm-disk-0");
    CHECK(opened->at(1).serial == "data");
    CHECK(opened->at(1).size_bytes == 1024);
    opened->clear();

    const DiskConfig with_missing[] = { disk_at(a), disk_at(dir.file("nope.img"), true) };
    auto failed = open_disks(with_missing);
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().message
        == "disk[1]: disk '" + dir.file("nope.img")
            + "': cannot open it for reading: No such file or directory");
}

TEST_CASE("open_disks: one image behind two disks is named as such, not as a lock conflict")
{
    TempDir dir;
    const std::string a = dir.write_file("a.img", std::string(512, 'x'));
    const std::string b = dir.write_file("b.img", std::string(512, 'x'));
    REQUIRE(::symlink(a.c_str(), dir.file("link.img").c_str()) == 0);
    const DiskConfig disks[]
        = { disk_at(a, true), disk_at(b), { dir.file("link.img"), true, "other", false } };
    auto opened = open_disks(disks);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().message
        == "disk[2]: disk '" + dir.file("link.img") + "': is disk[0] ('" + a
            + "') again; each image or device may back one disk");
}
