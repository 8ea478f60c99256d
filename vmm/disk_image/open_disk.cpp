// SPDX-License-Identifier: Apache-2.0
#include "vmm/disk_image/open_disk.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace vmm {
namespace {

DiskOpenError failure(const DiskConfig& disk, std::string_view what)
{
    return DiskOpenError { fmt::format("disk '{}': {}", disk.path, what) };
}

DiskOpenError errno_failure(const DiskConfig& disk, std::string_view what)
{
    return failure(disk, fmt::format("{}: {}", what, std::strerror(errno)));
}

/// The device's or file's size in bytes; the error says what is wrong with its kind.
Result<uint64_t, DiskOpenError> size_of(const DiskConfig& disk, int fd, const struct stat& st)
{
    if (S_ISREG(st.st_mode)) {
        return uint64_t(st.st_size);
    }
    if (S_ISBLK(st.st_mode)) {
        uint64_t size = 0;
        if (::ioctl(fd, BLKGETSIZE64, &size) < 0) {
            return unexpected(errno_failure(disk, "cannot read the block device's size"));
        }
        return size;
    }
    return unexpected(failure(disk,
        S_ISDIR(st.st_mode) ? "is a directory, not a disk image or block device"
                            : "is not a regular file or block device"));
}

/// LOCK_EX for a writer, LOCK_SH for a reader: writers exclude everyone, readers only writers.
Result<void, DiskOpenError> lock(const DiskConfig& disk, int fd)
{
    const int operation = (disk.read_only ? LOCK_SH : LOCK_EX) | LOCK_NB;
    int result = 0;
    while ((result = ::flock(fd, operation)) < 0 && errno == EINTR) { }
    if (result == 0) {
        return {};
    }
    if (errno == EWOULDBLOCK) {
        return unexpected(failure(disk,
            disk.read_only
                ? "is locked for writing by another process (another VM using it writable?)"
                : "is locked by another process (another VM using it?); a writable disk is one "
                  "VM's alone"));
    }
    return unexpected(errno_failure(disk, "cannot lock it"));
}

/// Whether two stats are one disk: one block device (whatever node names it), or one file.
bool same_disk(const struct stat& a, const struct stat& b)
{
    if (S_ISBLK(a.st_mode) || S_ISBLK(b.st_mode)) {
        return S_ISBLK(a.st_mode) && S_ISBLK(b.st_mode) && a.st_rdev == b.st_rdev;
    }
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/// The earlier disk that `path` names again, if any; asked before opening, so the answer is not
/// the lock conflict a second open of one image would meet.
std::optional<size_t> earlier_same_disk(
    const std::string& path, std::span<const struct stat> opened)
{
    struct stat st { };
    if (::stat(path.c_str(), &st) < 0) {
        return std::nullopt; // open_disk() says why.
    }
    for (size_t j = 0; j < opened.size(); ++j) {
        if (same_disk(st, opened[j])) {
            return j;
        }
    }
    return std::nullopt;
}

} // namespace

Result<OpenedDisk, DiskOpenError> open_disk(const DiskConfig& disk)
{
    // O_NONBLOCK only for the open itself: opening a FIFO would otherwise wait for a writer.
    int flags = (disk.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    if (disk.direct) {
        flags |= O_DIRECT;
    }
    UniqueFd fd(::open(disk.path.c_str(), flags));
    if (!fd.valid()) {
        if (errno == EISDIR) {
            return unexpected(failure(disk, "is a directory, not a disk image or block device"));
        }
        if (errno == EINVAL && disk.direct) {
            return unexpected(errno_failure(
                disk, "cannot open it for direct I/O (does its file system support O_DIRECT?)"));
        }
        return unexpected(errno_failure(
            disk, disk.read_only ? "cannot open it for reading" : "cannot open it for writing"));
    }
    struct stat st { };
    if (::fstat(fd.get(), &st) < 0) {
        return unexpected(errno_failure(disk, "cannot stat it"));
    }
    const uint64_t size = TRY(size_of(disk, fd.get(), st));
    if (size == 0) {
        return unexpected(failure(disk, "is empty; a disk needs at least one 512-byte sector"));
    }
    if (size % disk_block_size != 0) {
        return unexpected(failure(disk,
            fmt::format("its size, {} bytes, is not a multiple of {} (the sector size)", size,
                disk_block_size)));
    }
    const int status_flags = ::fcntl(fd.get(), F_GETFL);
    if (status_flags < 0 || ::fcntl(fd.get(), F_SETFL, status_flags & ~O_NONBLOCK) < 0) {
        return unexpected(errno_failure(disk, "cannot clear O_NONBLOCK"));
    }
    TRY(lock(disk, fd.get()));
    OpenedDisk opened;
    opened.path = disk.path;
    opened.fd = std::move(fd);
    opened.size_bytes = size;
    opened.block_device = S_ISBLK(st.st_mode);
    opened.read_only = disk.read_only;
    opened.direct = disk.direct;
    opened.serial = disk.serial;
    return opened;
}

Result<std::vector<OpenedDisk>, DiskOpenError> open_disks(std::span<const DiskConfig> disks)
{
    std::vector<OpenedDisk> opened;
    std::vector<struct stat> stats;
    opened.reserve(disks.size());
    for (size_t i = 0; i < disks.size(); ++i) {
        if (auto j = earlier_same_disk(disks[i].path, stats)) {
            return unexpected(DiskOpenError { fmt::format(
                "disk[{}]: disk '{}': is disk[{}] ('{}') again; each image or device may back one "
                "disk",
                i, disks[i].path, *j, disks[*j].path) });
        }
        auto disk = open_disk(disks[i]);
        if (!disk) {
            return unexpected(
                DiskOpenError { fmt::format("disk[{}]: {}", i, disk.error().message) });
        }
        disk->serial = disk_serial(disks[i], i);
        struct stat st { };
        if (::fstat(disk->fd.get(), &st) < 0) {
            return unexpected(DiskOpenError { fmt::format("disk[{}]: disk '{}': cannot stat it: {}",
                i, disks[i].path, std::strerror(errno)) });
        }
        stats.push_back(st);
        opened.push_back(std::move(disk).value());
    }
    return opened;
}

} // namespace vmm
