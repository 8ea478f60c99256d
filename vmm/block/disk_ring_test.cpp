// SPDX-License-Identifier: Apache-2.0
#include "base/eventfd.h"
#include "base/unique_fd.h"
#include "tests/support/temp_dir.h"
#include "tests/support/uring_submit.h"
#include "vmm/block/disk_ring.h"

#include <cstring>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <poll.h>
#include <sys/uio.h>

using namespace vmm;
using partvm_test::submit_one;

namespace {

/// A disk ring over a 64 KiB scratch image.
struct DiskRing {
    partvm_test::TempDir dir { "partvm-disk-ring" };
    UniqueFd image;
    UniqueFd completions = make_eventfd().value();
    io_uring ring {};

    DiskRing()
    {
        image = UniqueFd(::open(dir.file("image").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        REQUIRE(image.valid());
        REQUIRE(::ftruncate(image.get(), 64 * 1024) == 0);
        REQUIRE(init_disk_ring(ring, 8, image.get(), completions.get()));
    }
    ~DiskRing() { io_uring_queue_exit(&ring); }

    io_uring_sqe* sqe()
    {
        io_uring_sqe* entry = io_uring_get_sqe(&ring);
        REQUIRE(entry != nullptr);
        return entry;
    }
};

} // namespace

TEST_CASE("the disk ring writes, reads, syncs and punches holes in its image, and says so on "
          "its eventfd")
{
    DiskRing r;
    char out[16] = "through slot 0";
    iovec out_vec { out, sizeof(out) };
    io_uring_sqe* sqe = r.sqe();
    io_uring_prep_writev(sqe, disk_image_slot, &out_vec, 1, 4096);
    sqe->flags |= IOSQE_FIXED_FILE;
    CHECK(submit_one(r.ring) == int(sizeof(out)));

    char in[16] {};
    iovec in_vec { in, sizeof(in) };
    sqe = r.sqe();
    io_uring_prep_readv(sqe, disk_image_slot, &in_vec, 1, 4096);
    sqe->flags |= IOSQE_FIXED_FILE;
    CHECK(submit_one(r.ring) == int(sizeof(in)));
    CHECK(std::memcmp(in, out, sizeof(in)) == 0);

    sqe = r.sqe();
    io_uring_prep_fsync(sqe, disk_image_slot, IORING_FSYNC_DATASYNC);
    sqe->flags |= IOSQE_FIXED_FILE;
    CHECK(submit_one(r.ring) == 0);

    sqe = r.sqe();
    io_uring_prep_fallocate(
        sqe, disk_image_slot, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 8192);
    sqe->flags |= IOSQE_FIXED_FILE;
    CHECK(submit_one(r.ring) == 0);

    CHECK(drain_eventfd(r.completions.get()) == 4);
}

TEST_CASE("the disk ring refuses everything else")
{
    DiskRing r;

    SUBCASE("openat, which needs no file")
    {
        io_uring_sqe* sqe = r.sqe();
        io_uring_prep_openat(sqe, AT_FDCWD, "/etc/passwd", O_RDONLY, 0);
        sqe->flags |= IOSQE_FIXED_FILE;
        CHECK(submit_one(r.ring) == -EACCES);
    }
    SUBCASE("openat without the fixed-file flag")
    {
        io_uring_sqe* sqe = r.sqe();
        io_uring_prep_openat(sqe, AT_FDCWD, "/etc/passwd", O_RDONLY, 0);
        CHECK(submit_one(r.ring) == -EACCES);
    }
    SUBCASE("the event loop's poll")
    {
        io_uring_sqe* sqe = r.sqe();
        io_uring_prep_poll_add(sqe, disk_image_slot, POLLIN);
        sqe->flags |= IOSQE_FIXED_FILE;
        CHECK(submit_one(r.ring) == -EACCES);
    }
    SUBCASE("a plain read (IORING_OP_READ is not READV)")
    {
        char buffer[8];
        io_uring_sqe* sqe = r.sqe();
        io_uring_prep_read(sqe, disk_image_slot, buffer, sizeof(buffer), 0);
        sqe->flags |= IOSQE_FIXED_FILE;
        CHECK(submit_one(r.ring) == -EACCES);
    }
    SUBCASE("a readv of a plain fd")
    {
        char buffer[8];
        iovec vec { buffer, sizeof(buffer) };
        io_uring_sqe* sqe = r.sqe();
        io_uring_prep_readv(sqe, r.image.get(), &vec, 1, 0);
        CHECK(submit_one(r.ring) == -EACCES);
    }
    SUBCASE("any registration: files, buffers, another eventfd")
    {
        const int fd = r.image.get();
        CHECK(io_uring_register_files_update(&r.ring, 0, &fd, 1) == -EACCES);
        char buffer[64];
        iovec vec { buffer, sizeof(buffer) };
        CHECK(io_uring_register_buffers(&r.ring, &vec, 1) == -EACCES);
        CHECK(io_uring_unregister_eventfd(&r.ring) == -EACCES);
    }
}
