// SPDX-License-Identifier: Apache-2.0
// UringDisk on real files, a real io_uring and a real event loop running on its own thread, as the
// VMBus thread runs it: every submit and kick happens on that thread, and so must every done.
#include "base/unique_fd.h"
#include "tests/support/skip.h"
#include "tests/support/temp_dir.h"
#include "vmm/block/uring_disk.h"
#include "vmm/event_loop/event_loop.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <future>
#include <linux/loop.h>
#include <mutex>
#include <optional>
#include <sched.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace vmm;
using namespace std::chrono_literals;
using vmbus::storvsp::BlockOp;
using vmbus::storvsp::BlockRequest;
using vmbus::storvsp::ByteRange;

namespace {

/// Long enough for a loaded machine; a test that waits longer has failed, not hung.
constexpr auto patience = 20s;

/// An event loop running on its own thread (the VMBus thread's stand-in).
class LoopThread {
public:
    LoopThread()
        : m_loop(EventLoop::create().value())
        , m_thread([this] { m_loop->run(); })
    {
    }
    ~LoopThread()
    {
        m_loop->stop();
        m_thread.join();
    }
    EventLoop& loop() { return *m_loop; }
    std::thread::id id() const { return m_thread.get_id(); }

    /// Runs `function` on the loop thread and waits for it. A wait past all patience aborts: the
    /// function still references the caller's stack.
    template<class F> void call(F&& function)
    {
        std::promise<void> ran;
        m_loop->post([&] {
            function();
            ran.set_value();
        });
        if (ran.get_future().wait_for(patience) != std::future_status::ready) {
            std::fprintf(stderr, "the loop thread did not run a posted function\n");
            std::abort();
        }
    }

private:
    std::unique_ptr<EventLoop> m_loop;
    std::thread m_thread;
};

/// What came back for each request, by its number, and checks on how it came back.
class Outcomes {
public:
    explicit Outcomes(std::thread::id loop_thread)
        : m_loop_thread(loop_thread)
    {
    }
    /// The `done` for request number `n`.
    UringDisk::Done expect(size_t n)
    {
        {
            std::lock_guard lock(m_lock);
            if (m_errors.size() <= n) {
                m_errors.resize(n + 1, -1);
                m_calls.resize(n + 1, 0);
            }
        }
        return [this, n](int error) {
            std::lock_guard lock(m_lock);
            m_errors[n] = error;
            ++m_calls[n];
            ++m_total;
            m_off_thread |= std::this_thread::get_id() != m_loop_thread;
            m_inside_submit |= submitting;
            m_changed.notify_all();
        };
    }
    /// Waits until every expected request has completed; returns each one's error.
    std::vector<int> wait()
    {
        std::unique_lock lock(m_lock);
        const bool all
            = m_changed.wait_for(lock, patience, [this] { return m_total >= m_calls.size(); });
        REQUIRE_MESSAGE(all, m_total, " of ", m_calls.size(), " requests completed");
        for (size_t n = 0; n < m_calls.size(); ++n) {
            CHECK_MESSAGE(m_calls[n] == 1, "request ", n, " completed ", m_calls[n], " times");
        }
        CHECK_FALSE(m_off_thread);
        CHECK_FALSE(m_inside_submit);
        return m_errors;
    }
    size_t total()
    {
        std::lock_guard lock(m_lock);
        return m_total;
    }

    /// Set on the loop thread around submit() and kick(): no done may run inside them.
    bool submitting { false };

private:
    std::thread::id m_loop_thread;
    std::mutex m_lock;
    std::condition_variable m_changed;
    std::vector<int> m_errors;
    std::vector<unsigned> m_calls;
    size_t m_total { 0 };
    bool m_off_thread { false };
    bool m_inside_submit { false };
};

std::vector<char> pattern(size_t size, unsigned seed)
{
    std::vector<char> bytes(size);
    for (size_t i = 0; i < size; ++i) {
        bytes[i] = char((i * 31 + seed * 7 + (i >> 9)) & 0xff);
    }
    return bytes;
}

BlockRequest request(BlockOp op, uint64_t offset = 0, std::vector<iovec> buffers = {})
{
    BlockRequest made; // Field by field: BlockRequest's members have no designated defaults.
    made.op = op;
    made.offset = offset;
    made.buffers = std::move(buffers);
    return made;
}

BlockRequest read_request(uint64_t offset, std::vector<iovec> buffers)
{
    return request(BlockOp::Read, offset, std::move(buffers));
}

BlockRequest write_request(uint64_t offset, std::vector<iovec> buffers, bool fua = false)
{
    BlockRequest write = request(BlockOp::Write, offset, std::move(buffers));
    write.fua = fua;
    return write;
}

BlockRequest flush_request()
{
    return request(BlockOp::Flush);
}

BlockRequest discard_request(std::vector<ByteRange> ranges)
{
    BlockRequest discard = request(BlockOp::Discard);
    discard.discard = std::move(ranges);
    return discard;
}

/// Splits `bytes` into consecutive buffers of the given sizes (the last takes the rest).
std::vector<iovec> scatter(std::vector<char>& bytes, std::initializer_list<size_t> sizes)
{
    std::vector<iovec> buffers;
    size_t at = 0;
    for (size_t size : sizes) {
        buffers.push_back({ bytes.data() + at, size });
        at += size;
    }
    buffers.push_back({ bytes.data() + at, bytes.size() - at });
    return buffers;
}

/// A disk over a scratch image, driven from the test through its loop thread.
class DiskFixture {
public:
    explicit DiskFixture(UringDisk::Options options = {}, size_t image_size = 1 << 20)
    {
        path = dir.file("image");
        UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        REQUIRE(fd.valid());
        REQUIRE(::ftruncate(fd.get(), off_t(image_size)) == 0);
        open(std::move(fd), options);
    }
    /// A disk over `image` instead (no scratch file).
    DiskFixture(UniqueFd image, UringDisk::Options options) { open(std::move(image), options); }
    ~DiskFixture() { destroy(); }

    void destroy()
    {
        thread.call([this] { disk.reset(); });
    }

    /// Submits every request in one batch with one kick, and waits for all of them.
    std::vector<int> run(std::vector<BlockRequest> requests)
    {
        Outcomes outcomes(thread.id());
        std::vector<UringDisk::Done> dones;
        for (size_t n = 0; n < requests.size(); ++n) {
            dones.push_back(outcomes.expect(n));
        }
        thread.call([&] {
            outcomes.submitting = true;
            for (size_t n = 0; n < requests.size(); ++n) {
                disk->submit(std::move(requests[n]), std::move(dones[n]));
            }
            disk->kick();
            outcomes.submitting = false;
        });
        return outcomes.wait();
    }
    int run_one(BlockRequest request)
    {
        std::vector<BlockRequest> one;
        one.push_back(std::move(request));
        return run(std::move(one)).at(0);
    }

    /// The image's bytes [offset, offset + size), read past the disk.
    std::vector<char> file_bytes(uint64_t offset, size_t size) const
    {
        std::vector<char> bytes(size);
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        REQUIRE(fd.valid());
        REQUIRE(::pread(fd.get(), bytes.data(), size, off_t(offset)) == ssize_t(size));
        return bytes;
    }

    partvm_test::TempDir dir { "partvm-block" };
    std::string path;
    LoopThread thread;
    std::unique_ptr<UringDisk> disk;

private:
    void open(UniqueFd image, UringDisk::Options options)
    {
        std::optional<Result<std::unique_ptr<UringDisk>>> created;
        thread.call([&] { created = UringDisk::create(std::move(image), thread.loop(), options); });
        REQUIRE_MESSAGE(*created, created->error().message());
        disk = std::move(*created).value();
    }
};

/// Root in a mount namespace of its own can mount a tmpfs (probed in a child, which leaves the
/// test process as it was).
bool can_mount_tmpfs()
{
    if (::geteuid() != 0) {
        return false;
    }
    const pid_t child = ::fork();
    if (child == 0) {
        char dir[] = "/tmp/partvm-tmpfs-probe-XXXXXX";
        const bool ok = ::unshare(CLONE_NEWNS) == 0
            && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0
            && ::mkdtemp(dir) != nullptr && ::mount("partvm", dir, "tmpfs", 0, "size=64k") == 0;
        if (ok) {
            ::umount(dir);
        }
        ::rmdir(dir);
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    return child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status)
        && WEXITSTATUS(status) == 0;
}

const bool no_tmpfs = partvm_test::skip_unless(
    can_mount_tmpfs(), "the ENOSPC test mounts a tmpfs: needs root and a mount namespace");
const bool no_loop_devices
    = partvm_test::skip_unless(::geteuid() == 0 && ::access("/dev/loop-control", R_OK | W_OK) == 0,
        "the block-device discard test needs root and /dev/loop-control");

/// A loop device over a file, detached when the object dies.
class LoopDevice {
public:
    explicit LoopDevice(int backing_fd)
    {
        UniqueFd control(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
        REQUIRE(control.valid());
        // Another process may take the free device between the two calls: try again.
        for (int attempt = 0; attempt < 10 && !m_device.valid(); ++attempt) {
            const int number = ::ioctl(control.get(), LOOP_CTL_GET_FREE);
            REQUIRE(number >= 0);
            m_path = "/dev/loop" + std::to_string(number);
            UniqueFd device(::open(m_path.c_str(), O_RDWR | O_CLOEXEC));
            if (device.valid() && ::ioctl(device.get(), LOOP_SET_FD, backing_fd) == 0) {
                m_device = std::move(device);
            }
        }
        REQUIRE_MESSAGE(m_device.valid(), "no loop device could be attached");
    }
    ~LoopDevice() { ::ioctl(m_device.get(), LOOP_CLR_FD); }
    const std::string& path() const { return m_path; }

private:
    UniqueFd m_device;
    std::string m_path;
};

} // namespace

TEST_CASE("a write from scattered buffers reads back into differently scattered ones")
{
    DiskFixture f;
    std::vector<char> out = pattern(10'000, 1);
    CHECK(f.run_one(write_request(12'345, scatter(out, { 512, 4103, 1 }))) == 0);
    CHECK(f.file_bytes(12'345, out.size()) == out);

    std::vector<char> in(out.size());
    CHECK(f.run_one(read_request(12'345, scatter(in, { 100, 0, 5000 }))) == 0);
    CHECK(in == out);
}

TEST_CASE("256 requests with 32 slots all complete, each once, on the loop thread")
{
    constexpr size_t count = 256;
    constexpr size_t block = 4096;
    DiskFixture f({ .queue_depth = 32, .max_waiting = count }, count * block);
    std::vector<std::vector<char>> out;
    std::vector<BlockRequest> writes;
    for (size_t n = 0; n < count; ++n) {
        out.push_back(pattern(block, unsigned(n)));
        writes.push_back(write_request(n * block, scatter(out.back(), { 1000 })));
    }
    for (int error : f.run(std::move(writes))) {
        CHECK(error == 0);
    }
    for (size_t n = 0; n < count; n += 17) {
        CHECK(f.file_bytes(n * block, block) == out[n]);
    }

    std::vector<std::vector<char>> in(count, std::vector<char>(block));
    std::vector<BlockRequest> reads;
    for (size_t n = 0; n < count; ++n) {
        reads.push_back(read_request(n * block, scatter(in[n], { 3000 })));
    }
    for (int error : f.run(std::move(reads))) {
        CHECK(error == 0);
    }
    CHECK(in == out);
}

TEST_CASE("past the waiting queue's bound a request fails with EAGAIN, later, not inside submit")
{
    DiskFixture f({ .queue_depth = 1, .max_waiting = 2 });
    std::vector<std::vector<char>> buffers(4, std::vector<char>(512));
    std::vector<BlockRequest> reads;
    for (auto& buffer : buffers) {
        reads.push_back(read_request(0, { { buffer.data(), buffer.size() } }));
    }
    CHECK(f.run(std::move(reads)) == std::vector<int> { 0, 0, 0, EAGAIN });
}

TEST_CASE("a list longer than one readv may carry goes in pieces")
{
    DiskFixture f;
    std::vector<char> out = pattern(3000 * 8, 5);
    std::vector<iovec> out_buffers;
    for (size_t at = 0; at < out.size(); at += 8) {
        out_buffers.push_back({ out.data() + at, 8 });
    }
    CHECK(f.run_one(write_request(4096, std::move(out_buffers))) == 0);
    CHECK(f.file_bytes(4096, out.size()) == out);
}

TEST_CASE("a FUA write and a flush succeed and leave the data in the image")
{
    DiskFixture f;
    std::vector<char> out = pattern(8192, 2);
    CHECK(f.run_one(write_request(65'536, scatter(out, { 4096 }), true)) == 0);
    CHECK(f.run_one(flush_request()) == 0);
    CHECK(f.file_bytes(65'536, out.size()) == out);
}

TEST_CASE("requests with nothing to do succeed, later")
{
    DiskFixture f;
    std::vector<BlockRequest> empty;
    empty.push_back(read_request(0, {}));
    empty.push_back(write_request(0, { { nullptr, 0 } }));
    empty.push_back(discard_request({}));
    CHECK(f.run(std::move(empty)) == std::vector<int> { 0, 0, 0 });
}

TEST_CASE("a discard punches holes: fewer blocks, zeros where the ranges were")
{
    constexpr size_t size = 1 << 20;
    DiskFixture f({}, size);
    std::vector<char> out = pattern(size, 3);
    CHECK(f.run_one(write_request(0, scatter(out, {}))) == 0);
    CHECK(f.run_one(flush_request()) == 0);
    struct stat before { };
    REQUIRE(::stat(f.path.c_str(), &before) == 0);

    CHECK(
        f.run_one(discard_request({ { 256 * 1024, 256 * 1024 }, { 768 * 1024, 64 * 1024 } })) == 0);
    struct stat after { };
    REQUIRE(::stat(f.path.c_str(), &after) == 0);
    CHECK(after.st_size == before.st_size);
    CHECK(after.st_blocks <= before.st_blocks - (320 * 1024) / 512);

    std::vector<char> in(size);
    CHECK(f.run_one(read_request(0, scatter(in, { 300 * 1024 }))) == 0);
    std::vector<char> expected = out;
    std::memset(expected.data() + 256 * 1024, 0, 256 * 1024);
    std::memset(expected.data() + 768 * 1024, 0, 64 * 1024);
    CHECK(in == expected);
}

TEST_CASE("a discard on a block device zeroes the ranges and frees the backing file's blocks"
    * doctest::skip(no_loop_devices))
{
    constexpr size_t size = 1 << 20;
    partvm_test::TempDir dir("partvm-block-dev");
    const std::string backing_path = dir.file("backing");
    UniqueFd backing(::open(backing_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    REQUIRE(backing.valid());
    std::vector<char> out = pattern(size, 4);
    REQUIRE(::pwrite(backing.get(), out.data(), size, 0) == ssize_t(size));
    REQUIRE(::fsync(backing.get()) == 0);
    struct stat before { };
    REQUIRE(::fstat(backing.get(), &before) == 0);

    LoopDevice device(backing.get());
    UniqueFd image(::open(device.path().c_str(), O_RDWR | O_CLOEXEC));
    REQUIRE(image.valid());
    DiskFixture f(std::move(image), {});
    CHECK(f.disk->size_bytes() == size);

    CHECK(f.run_one(discard_request({ { 512 * 1024, 256 * 1024 } })) == 0);
    CHECK(f.run_one(flush_request()) == 0);
    std::vector<char> in(size);
    CHECK(f.run_one(read_request(0, scatter(in, { 4096 }))) == 0);
    std::vector<char> expected = out;
    std::memset(expected.data() + 512 * 1024, 0, 256 * 1024);
    CHECK(in == expected);

    struct stat after { };
    REQUIRE(::fstat(backing.get(), &after) == 0);
    CHECK(after.st_blocks < before.st_blocks);
    f.destroy(); // Before the loop device goes.
}

TEST_CASE("I/O errors surface as positive errnos")
{
    constexpr size_t size = 64 * 1024;

    SUBCASE("a read starting at the end of the image is EIO")
    {
        DiskFixture f({}, size);
        std::vector<char> in(4096);
        CHECK(f.run_one(read_request(size, scatter(in, {}))) == EIO);
    }
    SUBCASE("a read running past the end is EIO, after its first part arrived")
    {
        DiskFixture f({}, size);
        std::vector<char> in(8192, 'x');
        CHECK(f.run_one(read_request(size - 4096, scatter(in, { 4096 }))) == EIO);
        CHECK(in[0] == 0);
    }
    SUBCASE("a read after the image shrank under the disk is EIO")
    {
        DiskFixture f({}, size);
        REQUIRE(::truncate(f.path.c_str(), 4096) == 0);
        std::vector<char> in(4096);
        CHECK(f.run_one(read_request(8192, scatter(in, {}))) == EIO);
    }
    SUBCASE("a write to an image opened read-only is EBADF")
    {
        partvm_test::TempDir dir("partvm-block-ro");
        const std::string path = dir.write_file("image", std::string(size, '\0'));
        DiskFixture f(UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), {});
        std::vector<char> out = pattern(4096, 6);
        CHECK(f.run_one(write_request(0, scatter(out, {}))) == EBADF);
    }
    SUBCASE("a discard range of no bytes is EINVAL")
    {
        DiskFixture f({}, size);
        CHECK(f.run_one(discard_request({ { 0, 0 } })) == EINVAL);
    }
}

TEST_CASE("a full file system is ENOSPC" * doctest::skip(no_tmpfs))
{
    // A 64 KiB tmpfs in this process's own mount namespace, detached as soon as the image is
    // open: the open file keeps it alive, and nothing is left mounted if the test fails.
    REQUIRE(::unshare(CLONE_NEWNS) == 0);
    REQUIRE(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
    partvm_test::TempDir dir("partvm-block-full");
    REQUIRE(::mount("partvm", dir.path().c_str(), "tmpfs", 0, "size=64k") == 0);
    UniqueFd image(::open(dir.file("image").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    REQUIRE(::umount2(dir.path().c_str(), MNT_DETACH) == 0);
    REQUIRE(image.valid());
    REQUIRE(::ftruncate(image.get(), 1 << 20) == 0); // Sparse: takes no space yet.

    DiskFixture f(std::move(image), {});
    std::vector<char> out = pattern(1 << 20, 7);
    CHECK(f.run_one(write_request(0, scatter(out, { 4096 }))) == ENOSPC);
}

TEST_CASE("creation refuses what is not a disk, and bad options")
{
    auto loop = EventLoop::create().value();
    int pipe_fds[2];
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    UniqueFd write_end(pipe_fds[1]);
    CHECK_FALSE(UringDisk::create(UniqueFd(pipe_fds[0]), *loop));

    partvm_test::TempDir dir("partvm-block-options");
    const std::string path = dir.write_file("image", "x");
    CHECK_FALSE(UringDisk::create(
        UniqueFd(::open(path.c_str(), O_RDWR | O_CLOEXEC)), *loop, { .queue_depth = 0 }));
}

TEST_CASE("destroying the disk with requests in the kernel and waiting calls no done")
{
    constexpr size_t count = 64;
    DiskFixture f({ .queue_depth = 8, .max_waiting = count });
    std::vector<std::vector<char>> out(count, pattern(16 * 1024, 8));
    Outcomes outcomes(f.thread.id());
    f.thread.call([&] {
        for (size_t n = 0; n < count; ++n) {
            f.disk->submit(
                write_request(n * 16 * 1024, scatter(out[n], { 4096 })), outcomes.expect(n));
        }
        f.disk->kick();
        f.disk.reset(); // Waits for the 8 in the kernel; the 56 waiting are dropped.
    });
    // A completion that outlived the disk would run its done on the loop thread: give it time.
    f.thread.call([] {});
    std::this_thread::sleep_for(50ms);
    f.thread.call([] {});
    CHECK(outcomes.total() == 0);
}
