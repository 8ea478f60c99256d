// SPDX-License-Identifier: Apache-2.0
#include "vmm/sandbox/syscall_allowlist.h"
#include "vmm/event_loop/restricted_ring.h"
#include "vmm/kvm/runtime_ioctls.h"

#include <csignal>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

namespace vmm {

namespace {

using Op = ArgCheck::Op;

AllowedSyscall any_args(int number, std::string_view caller)
{
    return { number, {}, caller };
}

AllowedSyscall when(
    int number, std::vector<std::vector<ArgCheck>> variants, std::string_view caller)
{
    return { number, std::move(variants), caller };
}

/// ioctl on any fd, limited to these request numbers.
AllowedSyscall ioctls(std::initializer_list<unsigned long> requests, std::string_view caller)
{
    std::vector<std::vector<ArgCheck>> variants;
    for (unsigned long request : requests) {
        variants.push_back({ { 1, Op::Equal, request } });
    }
    return when(SYS_ioctl, std::move(variants), caller);
}

/// What every thread needs: memory, locks, time, its own end, and the way a CHECK aborts.
void add_common(std::vector<AllowedSyscall>& list, pid_t pid)
{
    const ArgCheck no_exec { 2, Op::MaskedZero, PROT_EXEC };
    list.push_back(any_args(SYS_futex, "std::mutex, condition variables, atomic waits"));
    list.push_back(when(SYS_mmap, { { no_exec } }, "malloc (glibc arenas); never executable"));
    list.push_back(
        when(SYS_mprotect, { { no_exec } }, "malloc growing an arena; never executable"));
    list.push_back(any_args(SYS_munmap, "free, io_uring and guest memory teardown"));
    list.push_back(any_args(SYS_madvise, "free, and glibc releasing a thread's stack"));
    list.push_back(any_args(SYS_brk, "malloc on the main arena"));
    list.push_back(any_args(SYS_write, "log lines on stderr, eventfd signals"));
    list.push_back(any_args(SYS_clock_gettime, "steady_clock when the vDSO is unavailable"));
    list.push_back(any_args(SYS_clock_nanosleep, "std::this_thread::sleep_for"));
    list.push_back(any_args(SYS_sched_yield, "std::this_thread::yield, spin waits"));
    list.push_back(any_args(SYS_rt_sigreturn, "return from the vCPU kick handler"));
    list.push_back(any_args(SYS_rt_sigprocmask, "abort() after a failed CHECK"));
    list.push_back(any_args(SYS_getpid, "abort(), pthread_kill"));
    list.push_back(any_args(SYS_gettid, "abort(), pthread_kill"));
    list.push_back(when(SYS_tgkill, { { { 0, Op::Equal, uint64_t(pid) } } },
        "abort(); Vm::stop kicking vCPUs: own threads only"));
    list.push_back(any_args(SYS_exit, "a thread's end (glibc start_thread)"));
    list.push_back(any_args(SYS_exit_group, "the process's end"));
}

} // namespace

std::vector<AllowedSyscall> syscall_allowlist(ThreadKind kind, pid_t pid)
{
    std::vector<AllowedSyscall> list;
    add_common(list, pid);
    switch (kind) {
    case ThreadKind::Vcpu:
        list.push_back(ioctls({ kvm_ioctl::run, kvm_ioctl::irq_line },
            "Vcpu::run_loop (KVM_RUN); the serial port's IRQ line (KVM_IRQ_LINE)"));
        break;
    case ThreadKind::Io:
        list.push_back(any_args(SYS_io_uring_enter, "EventLoop::run"));
        list.push_back(
            when(SYS_io_uring_register, { { { 1, Op::Equal, ring_allowed_register_op } } },
                "EventLoop file slots (FILES_UPDATE only)"));
        list.push_back(any_args(SYS_read, "eventfd drains, vsock sockets"));
        list.push_back(any_args(SYS_sendto, "VsockBridge sending to a host socket"));
        list.push_back(any_args(SYS_close, "channel and connection teardown"));
        list.push_back(any_args(SYS_eventfd2, "VmbusHost: a signal eventfd per open channel"));
        list.push_back(ioctls(
            { kvm_ioctl::hyperv_eventfd }, "VmbusHost channel open/close (KVM_HYPERV_EVENTFD)"));
        list.push_back(when(SYS_socket, { { { 0, Op::Equal, AF_UNIX } } },
            "VsockUnixListener::connect: a guest connect to PATH_<port>"));
        list.push_back(any_args(SYS_connect, "VsockUnixListener::connect"));
        list.push_back(any_args(SYS_accept4, "VsockUnixListener: hybrid clients"));
        list.push_back(
            when(SYS_fcntl, { { { 1, Op::Equal, F_GETFL } }, { { 1, Op::Equal, F_SETFL } } },
                "VsockBridge making its socket non-blocking"));
        list.push_back(any_args(SYS_shutdown, "VsockBridge passing on an end of stream"));
        list.push_back(any_args(SYS_poll, "VsockBridge checking for a hang-up"));
        list.push_back(any_args(SYS_newfstatat, "VsockUnixListener: is PATH still ours (lstat)"));
        list.push_back(any_args(SYS_unlink, "VsockUnixListener removing PATH"));
        break;
    case ThreadKind::Control:
        list.push_back(any_args(SYS_poll, "Vm::run waiting for a stop or a signal"));
        list.push_back(any_args(SYS_read, "Vm::run: signalfd and stop eventfd"));
        list.push_back(any_args(SYS_close, "teardown"));
        list.push_back(ioctls({ kvm_ioctl::get_regs, kvm_ioctl::irqfd, kvm_ioctl::hyperv_eventfd },
            "Vm::stop_vcpus logging where vCPUs stopped; SynicPorts and VmbusHost teardown"));
        list.push_back(
            when(SYS_io_uring_register, { { { 1, Op::Equal, ring_allowed_register_op } } },
                "EventLoop file slots freed at teardown (FILES_UPDATE only)"));
        list.push_back(any_args(SYS_io_uring_enter,
            "UringDisk teardown waiting for I/O the kernel still holds (restricted rings only)"));
        list.push_back(any_args(SYS_newfstatat, "stdio; VsockUnixListener teardown (lstat)"));
        list.push_back(any_args(SYS_unlink, "VsockUnixListener removing PATH at teardown"));
        list.push_back(any_args(SYS_pread64, "partvm boot --stats reading KVM's counters at exit"));
        break;
    }
    return list;
}

} // namespace vmm
