// SPDX-License-Identifier: Apache-2.0
#include "vmm/sandbox/syscall_allowlist.h"
#include "vmm/kvm/runtime_ioctls.h"

#include <algorithm>
#include <doctest/doctest.h>
#include <set>
#include <sys/socket.h>
#include <sys/syscall.h>

using namespace vmm;

namespace {

const AllowedSyscall* find(const std::vector<AllowedSyscall>& list, int number)
{
    auto it = std::find_if(
        list.begin(), list.end(), [number](const auto& rule) { return rule.number == number; });
    return it == list.end() ? nullptr : &*it;
}

bool allows_ioctl(const std::vector<AllowedSyscall>& list, unsigned long request)
{
    const AllowedSyscall* ioctl = find(list, SYS_ioctl);
    if (!ioctl) {
        return false;
    }
    return std::any_of(ioctl->variants.begin(), ioctl->variants.end(), [&](const auto& variant) {
        return variant.size() == 1 && variant[0].index == 1 && variant[0].value == request;
    });
}

} // namespace

TEST_CASE("each kind allows at most 40 syscalls, each once, each with its caller named")
{
    for (ThreadKind kind : all_thread_kinds) {
        CAPTURE(to_string(kind));
        const auto list = syscall_allowlist(kind, 1234);
        std::set<int> numbers;
        for (const auto& rule : list) {
            CHECK(numbers.insert(rule.number).second);
            CHECK(!rule.caller.empty());
        }
        CHECK(list.size() <= 40);
    }
}

TEST_CASE("no kind may start programs, open files, or ptrace")
{
    for (ThreadKind kind : all_thread_kinds) {
        CAPTURE(to_string(kind));
        const auto list = syscall_allowlist(kind, 1234);
        for (int forbidden : { SYS_execve, SYS_execveat, SYS_open, SYS_openat, SYS_fork,
                 SYS_vfork, SYS_clone, SYS_clone3, SYS_ptrace, SYS_kill, SYS_mount, SYS_setns,
                 SYS_unshare, SYS_process_vm_writev, SYS_io_uring_setup, SYS_bpf }) {
            CAPTURE(forbidden);
            CHECK(find(list, forbidden) == nullptr);
        }
    }
}

TEST_CASE("KVM ioctls by thread: KVM_RUN only on vCPU threads")
{
    const auto vcpu = syscall_allowlist(ThreadKind::Vcpu, 1);
    const auto io = syscall_allowlist(ThreadKind::Io, 1);
    const auto control = syscall_allowlist(ThreadKind::Control, 1);
    CHECK(allows_ioctl(vcpu, kvm_ioctl::run));
    CHECK_FALSE(allows_ioctl(io, kvm_ioctl::run));
    CHECK_FALSE(allows_ioctl(control, kvm_ioctl::run));
    CHECK(allows_ioctl(io, kvm_ioctl::hyperv_eventfd));
    CHECK_FALSE(allows_ioctl(vcpu, kvm_ioctl::hyperv_eventfd));
    CHECK_FALSE(allows_ioctl(io, kvm_ioctl::irqfd));
}

TEST_CASE("arguments that matter are checked")
{
    const auto io = syscall_allowlist(ThreadKind::Io, 77);
    const AllowedSyscall* socket = find(io, SYS_socket);
    REQUIRE(socket);
    REQUIRE(socket->variants.size() == 1);
    CHECK(socket->variants[0][0].value == AF_UNIX);
    const AllowedSyscall* tgkill = find(io, SYS_tgkill);
    REQUIRE(tgkill);
    CHECK(tgkill->variants[0][0].value == 77);
    CHECK(find(io, SYS_mmap)->variants.size() == 1); // PROT_EXEC masked out
}
