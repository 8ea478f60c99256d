// SPDX-License-Identifier: Apache-2.0
// Filters installed for real, in forked children: allowed calls go through, others kill.
#include "vmm/sandbox/allocator.h"
#include "vmm/sandbox/sandbox.h"
#include "vmm/sandbox/seccomp_filter.h"

#include <csignal>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace vmm;

namespace {

/// Runs `body` in a forked child; returns its wait status.
template<class F> int in_child(F body)
{
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        body();
        ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    return status;
}

// The sanitizers' runtime makes system calls of its own that no allowlist has (and the VMM is
// never run with both), so tests of what a filter lets through run only in plain builds.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif

bool killed_by_sigsys(int status)
{
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

} // namespace

TEST_CASE("a fenced thread may do its work" * doctest::skip(sanitized))
{
    for (ThreadKind kind : all_thread_kinds) {
        CAPTURE(to_string(kind));
        const int status = in_child([kind] {
            if (!install_seccomp_filter(kind)) {
                ::_exit(2);
            }
            void* page
                = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (page == MAP_FAILED || ::munmap(page, 4096) != 0) {
                ::_exit(3);
            }
            (void)::write(STDERR_FILENO, "", 0);
            ::_exit(7);
        });
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 7);
    }
}

TEST_CASE("a fenced thread dies of SIGSYS when it opens a file, or maps executable memory")
{
    for (ThreadKind kind : all_thread_kinds) {
        CAPTURE(to_string(kind));
        CHECK(killed_by_sigsys(in_child([kind] {
            if (install_seccomp_filter(kind)) {
                (void)::open("/etc/hostname", O_RDONLY);
            }
        })));
        CHECK(killed_by_sigsys(in_child([kind] {
            if (install_seccomp_filter(kind)) {
                (void)::mmap(
                    nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            }
        })));
    }
}

TEST_CASE("only the vCPU filter allows KVM_RUN's ioctl number" * doctest::skip(sanitized))
{
    // Any fd will do: the filter looks at the request number before the kernel looks at the fd.
    constexpr unsigned long kvm_run = 0xae80;
    CHECK(WIFEXITED(in_child([] {
        if (install_seccomp_filter(ThreadKind::Vcpu)) {
            (void)::ioctl(STDERR_FILENO, kvm_run, 0);
        }
    })));
    CHECK(killed_by_sigsys(in_child([] {
        if (install_seccomp_filter(ThreadKind::Io)) {
            (void)::ioctl(STDERR_FILENO, kvm_run, 0);
        }
    })));
}

TEST_CASE("the test trigger: each thread kind's forbidden syscall kills the process")
{
    for (ThreadKind kind : all_thread_kinds) {
        CAPTURE(to_string(kind));
        CHECK(killed_by_sigsys(in_child([kind] {
            Sandbox sandbox({ .seccomp = true, .forbidden_syscall_test = kind });
            if (kind == ThreadKind::Control) {
                sandbox.enter_control();
                return;
            }
            std::thread worker([&] { sandbox.enter_worker(kind); });
            sandbox.enter_control();
            worker.join();
        })));
    }
}

TEST_CASE("workers wait at the gate until the control thread is fenced" * doctest::skip(sanitized))
{
    const int status = in_child([] {
        Sandbox sandbox({ .seccomp = true, .forbidden_syscall_test = std::nullopt });
        std::atomic<bool> passed { false };
        std::thread worker([&] {
            sandbox.enter_worker(ThreadKind::Io);
            passed = true;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (passed) {
            ::_exit(4);
        }
        sandbox.enter_control();
        worker.join();
        ::_exit(passed ? 9 : 5);
    });
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 9);
}

TEST_CASE("a fenced I/O thread survives allocating and freeing a lot (a guest can make it do so)"
    * doctest::skip(sanitized))
{
    // A guest that creates and tears down GPADLs in bulk makes the VMBus thread allocate, then
    // free, tens of MiB. Freeing shrinks the thread's malloc arena, where glibc may do more than
    // munmap/madvise; all of it must be inside the thread's allowlist.
    const int status = in_child([] {
        prepare_allocator_for_fences(); // As main() does. Without it: SIGSYS on openat.
        std::thread worker([] {
            ::free(::malloc(64)); // The thread's own arena, before the fence, as in the VMM.
            if (!install_seccomp_filter(ThreadKind::Io)) {
                ::_exit(2);
            }
            for (int round = 0; round < 4; ++round) {
                std::vector<void*> blocks;
                for (int i = 0; i < 2048; ++i) {
                    blocks.push_back(::malloc(64 * 1024));
                }
                for (void* block : blocks) {
                    ::free(block);
                }
            }
        });
        worker.join();
    });
    CHECK_FALSE(killed_by_sigsys(status));
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
