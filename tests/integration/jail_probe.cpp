// SPDX-License-Identifier: Apache-2.0
// jail_probe: a static program run by partvm-jailer as its exec file (tests/integration/
// jailer_test.cpp). It prints what it sees from inside the jail, one `key=value` per line, then
// acts on its first argument:
//   (none)       exit 0          exit N      exit N
//   sleep [S]    wait up to S seconds (default 120) for SIGTERM/INT/HUP/QUIT, blocked and read
//                from a signalfd as the VMM does; print signal=N, exit 0 (3 on timeout)
//   alloc MIB    allocate and touch MIB MiB, then exit 0 (under memory.max the OOM killer ends it)
//   seccomp      install a filter that kills the process on getppid(), then call it
//   touch PATH   create the file PATH; print touch=ok or touch=<errno name>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

std::string join(const std::vector<std::string>& items, const char* separator)
{
    std::string out;
    for (const std::string& item : items) {
        out += (out.empty() ? "" : separator) + item;
    }
    return out.empty() ? "none" : out;
}

/// "1000" when real, effective and saved ids agree, else "r,e,s".
std::string ids(unsigned r, unsigned e, unsigned s)
{
    if (r == e && e == s) {
        return std::to_string(r);
    }
    return std::to_string(r) + "," + std::to_string(e) + "," + std::to_string(s);
}

std::string hex(unsigned long long value)
{
    char text[32];
    std::snprintf(text, sizeof(text), "%016llx", value);
    return text;
}

std::vector<std::string> sorted_names(const char* path)
{
    std::vector<std::string> names;
    if (DIR* dir = ::opendir(path)) {
        while (const dirent* entry = ::readdir(dir)) {
            const std::string name = entry->d_name;
            if (name != "." && name != "..") {
                names.push_back(name);
            }
        }
        ::closedir(dir);
    }
    std::sort(names.begin(), names.end());
    return names;
}

void print_facts(int argc, char** argv)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    ::getresuid(&ru, &eu, &su);
    ::getresgid(&rg, &eg, &sg);
    std::printf("uid=%s\n", ids(ru, eu, su).c_str());
    std::printf("gid=%s\n", ids(rg, eg, sg).c_str());
    std::printf("groups=%d\n", ::getgroups(0, nullptr));

    __user_cap_header_struct header { _LINUX_CAPABILITY_VERSION_3, 0 };
    __user_cap_data_struct data[2] {};
    ::syscall(SYS_capget, &header, data);
    const auto both = [](unsigned low, unsigned high) {
        return (static_cast<unsigned long long>(high) << 32) | low;
    };
    unsigned long long bounding = 0;
    unsigned long long ambient = 0;
    for (int cap = 0; cap < 64 && ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; ++cap) {
        bounding |= static_cast<unsigned long long>(::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0)
            << cap;
        ambient |= static_cast<unsigned long long>(
                       ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) > 0)
            << cap;
    }
    std::printf("cap_eff=%s\n", hex(both(data[0].effective, data[1].effective)).c_str());
    std::printf("cap_prm=%s\n", hex(both(data[0].permitted, data[1].permitted)).c_str());
    std::printf("cap_inh=%s\n", hex(both(data[0].inheritable, data[1].inheritable)).c_str());
    std::printf("cap_bnd=%s\n", hex(bounding).c_str());
    std::printf("cap_amb=%s\n", hex(ambient).c_str());
    std::printf("no_new_privs=%d\n", ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    int pdeathsig = 0;
    ::prctl(PR_GET_PDEATHSIG, &pdeathsig, 0, 0, 0);
    std::printf("pdeathsig=%d\n", pdeathsig);
    std::printf("pid=%d\n", static_cast<int>(::getpid()));

    char hostname[256] = {};
    ::gethostname(hostname, sizeof(hostname) - 1);
    std::printf("hostname=%s\n", hostname);
    std::printf("root=%s\n", join(sorted_names("/"), ",").c_str());
    std::printf("dev=%s\n", join(sorted_names("/dev"), ",").c_str());
    std::vector<std::string> visible;
    for (const char* path : { "/etc/passwd", "/home", "/proc", "/sys", "/usr" }) {
        struct stat st { };
        if (::lstat(path, &st) == 0) {
            visible.push_back(path);
        }
    }
    std::printf("host_paths_visible=%s\n", join(visible, ",").c_str());
    const int kvm = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    std::printf("kvm_open=%s\n", kvm >= 0 ? "ok" : ::strerrorname_np(errno));
    if (kvm >= 0) {
        ::close(kvm);
    }
    // Writing to / must fail: only --dir mounts are writable.
    const int written = ::open("/probe-write-test", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    std::printf("root_writable=%s\n", written >= 0 ? "yes" : ::strerrorname_np(errno));
    if (written >= 0) {
        ::close(written);
        ::unlink("/probe-write-test");
    }
    int env_count = 0;
    for (char** env = environ; env && *env; ++env) {
        ++env_count;
    }
    std::printf("env_count=%d\n", env_count);
    std::vector<std::string> fds;
    for (int fd = 3; fd < 4096; ++fd) {
        if (::fcntl(fd, F_GETFD) >= 0) {
            fds.push_back(std::to_string(fd));
        }
    }
    std::printf("open_fds=%s\n", join(fds, ",").c_str());
    rlimit nofile {};
    rlimit core {};
    ::getrlimit(RLIMIT_NOFILE, &nofile);
    ::getrlimit(RLIMIT_CORE, &core);
    std::printf("rlimit_nofile=%llu\n", static_cast<unsigned long long>(nofile.rlim_cur));
    std::printf("rlimit_core=%llu\n", static_cast<unsigned long long>(core.rlim_cur));
    sigset_t blocked;
    ::sigprocmask(SIG_SETMASK, nullptr, &blocked);
    int blocked_count = 0;
    for (int sig = 1; sig < NSIG; ++sig) {
        blocked_count += sigismember(&blocked, sig) == 1;
    }
    std::printf("blocked_signals=%d\n", blocked_count);
    char cwd[4096] = {};
    std::printf("cwd=%s\n", ::getcwd(cwd, sizeof(cwd)) ? cwd : "?");
    std::vector<std::string> args(argv, argv + argc);
    std::printf("argv=%s\n", join(args, " ").c_str());
    std::fflush(stdout);
}

int wait_for_signal(int seconds)
{
    // As the VMM does: block the stop signals and read them from a signalfd. (sigtimedwait would
    // unblock them while it waits, which hides from SigBlk in /proc that the probe is ready.)
    sigset_t set;
    sigemptyset(&set);
    for (int sig : { SIGTERM, SIGINT, SIGHUP, SIGQUIT }) {
        sigaddset(&set, sig);
    }
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    const int fd = ::signalfd(-1, &set, SFD_CLOEXEC);
    std::printf("sleeping\n");
    std::fflush(stdout);
    pollfd poll_fd { fd, POLLIN, 0 };
    signalfd_siginfo info {};
    if (::poll(&poll_fd, 1, seconds * 1000) != 1
        || ::read(fd, &info, sizeof(info)) != sizeof(info)) {
        return 3;
    }
    std::printf("signal=%u\n", info.ssi_signo);
    return 0;
}

int allocate(long mib)
{
    std::printf("allocating=%ld\n", mib);
    std::fflush(stdout);
    const size_t size = static_cast<size_t>(mib) << 20;
    auto* memory = static_cast<char*>(std::malloc(size));
    if (!memory) {
        return 4;
    }
    for (size_t offset = 0; offset < size; offset += 4096) {
        memory[offset] = 1;
    }
    std::printf("allocated=%ld\n", mib);
    return 0;
}

int forbidden_syscall()
{
    // Kill the whole process on getppid(), as the VMM's filters do for anything not allowed.
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program { static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0])), filter };
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) < 0) {
        std::printf("seccomp=%s\n", ::strerrorname_np(errno));
        return 5;
    }
    ::syscall(SYS_getppid);
    std::printf("survived\n");
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    print_facts(argc, argv);
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "exit" && argc > 2) {
        return std::atoi(argv[2]);
    }
    if (mode == "sleep") {
        return wait_for_signal(argc > 2 ? std::atoi(argv[2]) : 120);
    }
    if (mode == "alloc" && argc > 2) {
        return allocate(std::atol(argv[2]));
    }
    if (mode == "touch" && argc > 2) {
        const int fd = ::open(argv[2], O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        std::printf("touch=%s\n", fd >= 0 ? "ok" : ::strerrorname_np(errno));
        return fd >= 0 ? 0 : 6;
    }
    if (mode == "seccomp") {
        return forbidden_syscall();
    }
    return 0;
}
