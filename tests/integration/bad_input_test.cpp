// SPDX-License-Identifier: Apache-2.0
// Bad user input: each case gets one clear error line naming the problem and a non-zero exit,
// before any KVM work, so these run on any machine (no /dev/kvm needed).
#include "tests/integration/process.h"
#include "tests/support/temp_dir.h"

#include <algorithm>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <unistd.h>

using namespace partvm_test;

namespace {

std::string test_kernel()
{
    const std::string kernel = env_or("PARTVM_TEST_KERNEL");
    REQUIRE_MESSAGE(!kernel.empty(), "PARTVM_TEST_KERNEL is not set: run tests/integration/run");
    return kernel;
}

/// Exactly one line on stderr, starting "partvm: ", and nothing on stdout.
void check_one_error_line(const ProcessResult& result)
{
    CHECK(result.out.empty());
    CHECK(result.err.rfind("partvm: ", 0) == 0);
    CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
}

} // namespace

TEST_SUITE("input")
{
    TEST_CASE("a missing kernel file is named in the error")
    {
        auto result = run_process({ partvm_binary(), "boot", "--kernel", "/nonexistent/bzImage" });
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("/nonexistent/bzImage") != std::string::npos);
        CHECK(result.err.find("No such file") != std::string::npos);
        check_one_error_line(result);
    }

    TEST_CASE("a kernel path that is a directory is refused")
    {
        TempDir dir;
        auto result = run_process({ partvm_binary(), "boot", "--kernel", dir.path() });
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("not a regular file") != std::string::npos);
        check_one_error_line(result);
    }

    TEST_CASE("a file that is not a kernel is refused")
    {
        TempDir dir;
        const auto path = dir.write_file("notes.txt", std::string(8192, 'x'));
        auto result = run_process({ partvm_binary(), "boot", "--kernel", path });
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("not a Linux kernel") != std::string::npos);
        check_one_error_line(result);
    }

    TEST_CASE("memory too small for kernel plus initramfs is refused")
    {
        TempDir dir;
        const auto initrd = dir.write_file("big.cpio", std::string(64u << 20, '\0'));
        auto result = run_process({ partvm_binary(), "boot", "--kernel", test_kernel(), "--initrd",
            initrd, "--memory", "96M" });
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("initramfs") != std::string::npos);
        check_one_error_line(result);
    }

    TEST_CASE("memory beyond what the host has is refused")
    {
        auto result = run_process(
            { partvm_binary(), "boot", "--kernel", test_kernel(), "--memory", "1000G" });
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("exceeds this host") != std::string::npos);
        check_one_error_line(result);
    }

    TEST_CASE("a command line longer than the boot protocol allows is refused")
    {
        auto result = run_process({ partvm_binary(), "boot", "--kernel", test_kernel(), "--cmdline",
            std::string(5000, 'a') });
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("command line") != std::string::npos);
        CHECK(result.err.find("5000") != std::string::npos);
        check_one_error_line(result);
    }

    TEST_CASE("zero vCPUs are refused")
    {
        auto result
            = run_process({ partvm_binary(), "boot", "--kernel", test_kernel(), "--vcpus", "0" });
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("vcpus") != std::string::npos);
        check_one_error_line(result);
    }

    TEST_CASE("more vCPUs than partvm or KVM allow are refused")
    {
        auto result = run_process(
            { partvm_binary(), "boot", "--kernel", test_kernel(), "--vcpus", "100000" });
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("vcpus") != std::string::npos);
        check_one_error_line(result);
    }

    TEST_CASE("a mistyped TOML key is named with its file and line")
    {
        TempDir dir;
        const auto config = dir.write_file("vm.toml", "[machine]\nvcpus = 2\nmemroy = \"256M\"\n");
        auto result = run_process(
            { partvm_binary(), "boot", "--config", config, "--kernel", test_kernel() });
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("vm.toml:3") != std::string::npos);
        CHECK(result.err.find("memroy") != std::string::npos);
        check_one_error_line(result);
    }

    TEST_CASE("an unknown TOML table is refused")
    {
        TempDir dir;
        const auto config = dir.write_file("vm.toml", "[machin]\nvcpus = 2\n");
        auto result = run_process(
            { partvm_binary(), "boot", "--config", config, "--kernel", test_kernel() });
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("vm.toml:1") != std::string::npos);
        CHECK(result.err.find("machin") != std::string::npos);
    }

    TEST_CASE("a missing disk image is named, with exit 2, before any KVM work")
    {
        // The disks open before /dev/kvm does, so this holds on hosts without KVM too.
        auto result = run_process({ partvm_binary(), "boot", "--kernel", test_kernel(), "--disk",
            "/nonexistent/disk.img,serial=x" });
        CHECK(result.exit_code == 2);
        CHECK(result.err
            == "partvm: disk[0]: disk '/nonexistent/disk.img': cannot open it for writing: No such "
               "file or directory\n");
        check_one_error_line(result);
    }

    TEST_CASE("a disk image another process holds locked is refused")
    {
        TempDir dir;
        const auto image = dir.write_file("disk.img", std::string(4096, '\0'));
        const int held = ::open(image.c_str(), O_RDWR | O_CLOEXEC);
        REQUIRE(held >= 0);
        REQUIRE(::flock(held, LOCK_EX | LOCK_NB) == 0);
        auto result = run_process(
            { partvm_binary(), "boot", "--kernel", test_kernel(), "--disk", image + ",ro" });
        ::close(held);
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("disk[0]: disk '" + image + "': is locked") != std::string::npos);
        check_one_error_line(result);
    }

    TEST_CASE("a bad --disk option and a [[disk]] without a path are each named")
    {
        auto flag = run_process(
            { partvm_binary(), "boot", "--kernel", test_kernel(), "--disk", "a.img,rw" });
        CHECK(flag.exit_code == 2);
        CHECK(flag.err == "partvm: --disk a.img,rw: unknown option 'rw' (did you mean 'ro'?)\n");
        TempDir dir;
        const auto config = dir.write_file("vm.toml", "[[disk]]\nserial = \"a\"\n");
        auto file = run_process(
            { partvm_binary(), "boot", "--config", config, "--kernel", test_kernel() });
        CHECK(file.exit_code == 2);
        CHECK(file.err.find("vm.toml:1:1: disk[0].path: missing") != std::string::npos);
        check_one_error_line(file);
    }

    TEST_CASE("partvm run refuses a missing disk before it starts anything")
    {
        const std::string initrd = env_or("PARTVM_TEST_INITRD");
        REQUIRE_MESSAGE(
            !initrd.empty(), "PARTVM_TEST_INITRD is not set: run tests/integration/run");
        auto result = run_process({ partvm_binary(), "run", "--kernel", test_kernel(), "--rootfs",
            initrd, "--disk", "/nonexistent/disk.img", "--", "true" });
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("disk[0]: disk '/nonexistent/disk.img'") != std::string::npos);
    }
}
