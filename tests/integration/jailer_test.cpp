// SPDX-License-Identifier: Apache-2.0
// partvm-jailer end to end, with tests/integration/jail_probe as the jailed exec file: what the
// probe sees inside, what the host sees from outside, exit statuses, reports and cleanup. The
// "kvm" cases need root, cgroup v2 and /dev/kvm: tests/integration/run runs them in the nested L1.
#include "tests/integration/process.h"
#include "tests/support/temp_dir.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <sstream>
#include <sys/mount.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace partvm_test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* cgroup_parent = "partvm-test";

std::string jailer_binary()
{
    return env_or("PARTVM_JAILER_BIN", PARTVM_JAILER_BIN);
}

std::string probe_binary()
{
    return env_or("PARTVM_JAIL_PROBE_BIN", PARTVM_JAIL_PROBE_BIN);
}

/// One VM id with its own chroot base: the command line, and where its jail and cgroup live.
class JailUnderTest {
public:
    explicit JailUnderTest(std::string id)
        : m_id(std::move(id))
    {
    }
    const std::string& id() const { return m_id; }
    const std::string& base() const { return m_base.path(); }
    std::string dir() const { return base() + "/jail_probe/" + m_id; }
    std::string leaf() const { return std::string("/sys/fs/cgroup/") + cgroup_parent + "/" + m_id; }

    std::vector<std::string> command(const std::vector<std::string>& probe_args,
        const std::vector<std::string>& flags = {}) const
    {
        std::vector<std::string> argv = { jailer_binary(), "--id", m_id, "--exec-file",
            probe_binary(), "--uid", "1000", "--gid", "1001", "--chroot-base", m_base.path(),
            "--cgroup-parent", cgroup_parent };
        argv.insert(argv.end(), flags.begin(), flags.end());
        argv.push_back("--");
        argv.insert(argv.end(), probe_args.begin(), probe_args.end());
        return argv;
    }

    /// Nothing of the VM is left on the host.
    void check_removed() const
    {
        CHECK_FALSE(fs::exists(dir()));
        CHECK_FALSE(fs::exists(leaf()));
    }

private:
    std::string m_id;
    TempDir m_base;
};

/// The probe's key=value lines.
std::map<std::string, std::string> facts(const std::string& out)
{
    std::map<std::string, std::string> result;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        const size_t eq = line.find('=');
        if (eq != std::string::npos) {
            result[line.substr(0, eq)] = line.substr(eq + 1);
        }
    }
    return result;
}

/// A jailer running the probe in "sleep" mode in the background.
class SleepingJail {
public:
    explicit SleepingJail(const JailUnderTest& jail, std::vector<std::string> flags = {})
        : m_leaf(jail.leaf())
        , m_result(
              std::async(std::launch::async, run_process, jail.command({ "sleep", "120" }, flags),
                  180s, SignalPlan {}, "/dev/null", StdoutCue {}))
    {
        m_pid = wait_for_probe(m_leaf);
    }
    ~SleepingJail()
    {
        if (!m_result.valid()) {
            return;
        }
        // A failed test: end the VM (the jailer then cleans up) rather than wait for its timeout.
        pid_t pid = m_pid;
        if (pid <= 0) {
            std::istringstream(read_text(m_leaf + "/cgroup.procs")) >> pid;
        }
        if (pid > 0) {
            ::kill(pid, SIGKILL);
        }
        m_result.wait();
    }

    /// The probe (in the host's PID namespace), or -1 if it never got to sleep.
    pid_t pid() const { return m_pid; }
    /// The process that started it: the jailer, or its background half with --daemonize.
    pid_t parent() const { return std::stoi(status_field(m_pid, "PPid")); }
    ProcessResult finish() { return m_result.get(); }

private:
    /// The leaf's cgroup.procs names the probe; it is ready once it blocks SIGTERM for
    /// sigtimedwait. (Before the exec the jailer's child blocks SIGTERM too, hence the check of the
    /// name.)
    static pid_t wait_for_probe(const std::string& leaf)
    {
        for (auto deadline = std::chrono::steady_clock::now() + 60s;
             std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(20ms)) {
            std::istringstream procs(read_text(leaf + "/cgroup.procs"));
            pid_t pid = -1;
            if (!(procs >> pid)) {
                continue;
            }
            const std::string blocked = status_field(pid, "SigBlk");
            if (status_field(pid, "Name") == "jail_probe" && !blocked.empty()
                && (std::stoull(blocked, nullptr, 16) & (1ULL << (SIGTERM - 1)))) {
                return pid;
            }
        }
        return -1;
    }

    std::string m_leaf;
    std::future<ProcessResult> m_result;
    pid_t m_pid { -1 };
};

/// Exactly one line on stderr, starting "partvm-jailer: ", and nothing on stdout.
void check_one_error_line(const ProcessResult& result)
{
    CHECK(result.out.empty());
    CHECK(result.err.rfind("partvm-jailer: ", 0) == 0);
    CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
}

} // namespace

TEST_SUITE("input")
{
    TEST_CASE("jailer: bad flags exit 2 with one line naming the option and value")
    {
        JailUnderTest jail("jt-input");
        struct Case {
            std::vector<std::string> flags;
            std::string expected;
        };
        const Case cases[] = {
            { { "--uid", "0" }, "--uid 0: refusing to run the VMM as root" },
            { { "--gid", "0" }, "--gid 0: refusing to run the VMM as root" },
            { { "--id", "../etc" }, "--id ../etc: must be 1 to 64 letters" },
            { { "--exec-file", "/nonexistent/vmm" },
                "--exec-file /nonexistent/vmm: No such file or directory" },
            { { "--cgroup", "memory/../x=1" },
                "--cgroup memory/../x=1: 'memory/../x' is not a cgroup interface file" },
            { { "--cgroup", "cgroup.procs=1" },
                "--cgroup cgroup.procs=1: core cgroup.* files are managed" },
            { { "--rlimit", "bogus=1" }, "--rlimit bogus=1: unknown limit 'bogus'" },
            { { "--file", "/nonexistent/kernel" },
                "--file /nonexistent/kernel: No such file or directory" },
        };
        for (const Case& c : cases) {
            std::vector<std::string> argv = jail.command({});
            // Later flags override the defaults of command() (CLI11 refuses repeats, so replace).
            for (size_t i = 0; i + 1 < c.flags.size(); i += 2) {
                auto at = std::find(argv.begin(), argv.end(), c.flags[i]);
                if (at != argv.end()) {
                    at[1] = c.flags[i + 1];
                } else {
                    argv.insert(argv.end() - 1, { c.flags[i], c.flags[i + 1] });
                }
            }
            auto result = run_process(argv, 30s);
            INFO("flags: " << c.flags[0] << " " << c.flags[1] << "\nstderr: " << result.err);
            CHECK(result.exit_code == 2);
            CHECK(result.err.find(c.expected) != std::string::npos);
            check_one_error_line(result);
            CHECK_FALSE(fs::exists(jail.dir()));
        }
    }
}

TEST_SUITE("kvm")
{
    TEST_CASE("jailer: the VMM runs as PID 1 with the given uid and gid and no capabilities at all")
    {
        JailUnderTest jail("jt-facts");
        auto result = run_process(jail.command({ "a", "b c" }), 60s);
        INFO(result);
        REQUIRE(result.exit_code == 0);
        auto seen = facts(result.out);
        CHECK(seen["uid"] == "1000");
        CHECK(seen["gid"] == "1001");
        CHECK(seen["groups"] == "0");
        CHECK(seen["cap_eff"] == "0000000000000000");
        CHECK(seen["cap_prm"] == "0000000000000000");
        CHECK(seen["cap_inh"] == "0000000000000000");
        CHECK(seen["cap_bnd"] == "0000000000000000");
        CHECK(seen["cap_amb"] == "0000000000000000");
        CHECK(seen["no_new_privs"] == "1");
        CHECK(seen["pdeathsig"] == "9");
        CHECK(seen["pid"] == "1");
        CHECK(seen["hostname"] == "jt-facts");
        CHECK(seen["argv"] == "/jail_probe a b c");
        CHECK(result.err.empty());
        jail.check_removed();
    }

    TEST_CASE("jailer: --file-rw binds a disk image writable, --file keeps it read-only")
    {
        TempDir host;
        const std::string image = host.write_file("disk.img", std::string(512, '\0'));
        // The jailer changes no owner or mode: the image must already let the jail's user in.
        REQUIRE(::chown(image.c_str(), 1000, 1001) == 0);
        REQUIRE(::chmod(image.c_str(), 0600) == 0);
        JailUnderTest writable("jt-file-rw");
        auto written = run_process(
            writable.command({ "touch", "/disks/0" }, { "--file-rw", image + ":/disks/0" }), 60s);
        INFO(written);
        CHECK(written.exit_code == 0);
        CHECK(facts(written.out)["touch"] == "ok");
        writable.check_removed();
        JailUnderTest read_only("jt-file-ro");
        auto refused = run_process(
            read_only.command({ "touch", "/disks/0" }, { "--file", image + ":/disks/0" }), 60s);
        INFO(refused);
        CHECK(facts(refused.out)["touch"] == "EROFS");
        read_only.check_removed();
        CHECK(fs::file_size(image) == 512); // The bind source is never touched by the cleanup.
    }

    TEST_CASE(
        "jailer: the jail holds only its own files, /dev/kvm opens, no environment or fds leak")
    {
        JailUnderTest jail("jt-root");
        TempDir host;
        const std::string kernel = host.write_file("kernel.img", "not really a kernel");
        fs::create_directory(host.path() + "/sock");
        ::chown((host.path() + "/sock").c_str(), 1000, 1001);
        auto result = run_process(jail.command({ "touch", "/sock/created" },
                                      { "--file", kernel, "--file", kernel + ":/boot/k", "--dir",
                                          host.path() + "/sock", "--rlimit", "nofile=77" }),
            60s);
        INFO(result);
        REQUIRE(result.exit_code == 0);
        auto seen = facts(result.out);
        CHECK(seen["root"] == "boot,dev,jail_probe,kernel.img,sock");
        CHECK(seen["dev"] == "kvm,net,null,urandom");
        CHECK(seen["host_paths_visible"] == "none");
        CHECK(seen["kvm_open"] == "ok");
        CHECK(seen["root_writable"] == "EROFS");
        CHECK(seen["env_count"] == "0");
        CHECK(seen["open_fds"] == "none");
        CHECK(seen["blocked_signals"] == "0");
        CHECK(seen["rlimit_nofile"] == "77");
        CHECK(seen["rlimit_core"] == "0");
        CHECK(seen["cwd"] == "/");
        CHECK(seen["touch"] == "ok");
        CHECK(fs::exists(host.path() + "/sock/created"));
        jail.check_removed();
        CHECK(fs::exists(kernel)); // Bind sources are never touched by the cleanup.
    }

    TEST_CASE(
        "jailer: from outside, the VMM has its own namespaces, NoNewPrivs and no capabilities")
    {
        JailUnderTest jail("jt-outside");
        SleepingJail running(jail, { "--cgroup", "pids.max=16" });
        REQUIRE_MESSAGE(running.pid() > 0, "the probe never showed up in " << jail.leaf());
        const std::string proc = "/proc/" + std::to_string(running.pid());
        for (const char* ns : { "mnt", "pid", "ipc", "uts", "net" }) {
            INFO("namespace " << ns);
            CHECK(fs::read_symlink(proc + "/ns/" + ns)
                != fs::read_symlink(std::string("/proc/self/ns/") + ns));
        }
        CHECK(status_field(running.pid(), "NoNewPrivs") == "1");
        CHECK(status_field(running.pid(), "CapEff") == "0000000000000000");
        CHECK(status_field(running.pid(), "CapBnd") == "0000000000000000");
        CHECK(status_field(running.pid(), "Uid").rfind("1000\t1000\t1000", 0) == 0);
        CHECK(read_text(jail.leaf() + "/pids.max") == "16\n");
        CHECK(read_text(proc + "/comm") == "jail_probe\n");
        CHECK(
            read_text("/proc/" + std::to_string(running.parent()) + "/comm") == "partvm-jailer\n");
        CHECK(fs::exists(jail.dir() + "/root/dev"));

        // A stop signal to the jailer reaches the VMM, which takes it from its blocked set.
        ::kill(running.parent(), SIGTERM);
        auto result = running.finish();
        INFO(result);
        CHECK(result.exit_code == 0);
        CHECK(facts(result.out)["signal"] == std::to_string(SIGTERM));
        jail.check_removed();
    }

    TEST_CASE("jailer: a second jailer with a running VM's id is refused and leaves that VM alone")
    {
        JailUnderTest jail("jt-twice");
        SleepingJail running(jail);
        REQUIRE(running.pid() > 0);
        auto second = run_process(jail.command({}), 60s);
        INFO("stderr: " << second.err);
        CHECK(second.exit_code == 1);
        CHECK(second.err.find("already exists: another VM with id jt-twice") != std::string::npos);
        check_one_error_line(second);
        CHECK(fs::exists(jail.dir() + "/root/dev"));
        CHECK(read_text(jail.leaf() + "/cgroup.procs") == std::to_string(running.pid()) + "\n");

        ::kill(running.parent(), SIGINT);
        auto first = running.finish();
        CHECK(first.exit_code == 0);
        CHECK(facts(first.out)["signal"] == std::to_string(SIGINT));
        jail.check_removed();
    }

    TEST_CASE("jailer: the VMM's exit status passes through and the jail is removed")
    {
        JailUnderTest jail("jt-status");
        auto result = run_process(jail.command({ "exit", "7" }), 60s);
        INFO("stderr: " << result.err);
        CHECK(result.exit_code == 7);
        CHECK(result.err.empty());
        jail.check_removed();
    }

    TEST_CASE("jailer: exceeding memory.max ends with the OOM report and status 137")
    {
        JailUnderTest jail("jt-oom");
        auto result
            = run_process(jail.command({ "alloc", "256" }, { "--cgroup", "memory.max=32M" }), 120s);
        INFO(result);
        CHECK(result.exit_code == 137);
        CHECK(result.out.find("allocated=") == std::string::npos);
        CHECK(result.err
            == "partvm-jailer: VM jt-oom: out of memory: the VMM was killed when its cgroup "
               "reached "
               "memory.max (32M)\n");
        jail.check_removed();
    }

    TEST_CASE("jailer: a process killed by its seccomp filter is reported as such")
    {
        JailUnderTest jail("jt-seccomp");
        auto result = run_process(jail.command({ "seccomp" }), 60s);
        INFO(result);
        CHECK(result.exit_code == 128 + SIGSYS);
        CHECK(result.err.find(
                  "VM jt-seccomp: the VMM was killed by signal 31 (SIGSYS): its seccomp filter")
            != std::string::npos);
        jail.check_removed();
    }

    TEST_CASE("jailer: a cgroup value the kernel refuses exits 2 naming key, value and error")
    {
        JailUnderTest jail("jt-badvalue");
        auto value = run_process(jail.command({}, { "--cgroup", "memory.max=lots" }), 60s);
        INFO("stderr: " << value.err);
        CHECK(value.exit_code == 2);
        CHECK(value.err.find(
                  "--cgroup memory.max=lots: the kernel refused the value: Invalid argument")
            != std::string::npos);
        check_one_error_line(value);
        auto key = run_process(jail.command({}, { "--cgroup", "memory.bogus=1" }), 60s);
        INFO("stderr: " << key.err);
        CHECK(key.exit_code == 2);
        CHECK(key.err.find("--cgroup memory.bogus=1: the cgroup has no file memory.bogus")
            != std::string::npos);
        jail.check_removed();
    }

    TEST_CASE("jailer: a failure inside the child reaches the user and the jail is still removed")
    {
        JailUnderTest jail("jt-noexec");
        TempDir host;
        // Executable by root only: the exec as uid 1000 fails after every other setup step.
        const std::string vmm = host.path() + "/vmm";
        fs::copy_file(probe_binary(), vmm);
        ::chmod(vmm.c_str(), 0700);
        auto argv = jail.command({});
        std::find(argv.begin(), argv.end(), "--exec-file")[1] = vmm;
        auto result = run_process(argv, 60s);
        INFO("stderr: " << result.err);
        CHECK(result.exit_code == 1);
        CHECK(result.err
            == "partvm-jailer: VM jt-noexec: jail setup failed: cannot execute /vmm: Permission "
               "denied\n");
        CHECK(fs::exists(jail.base() + "/vmm")); // Shared by every VM of that exec file.
        CHECK_FALSE(fs::exists(jail.base() + "/vmm/jt-noexec"));
        CHECK_FALSE(fs::exists(jail.leaf()));
    }

    TEST_CASE("jailer --daemonize returns once the jail is up and cleans up in the background")
    {
        JailUnderTest jail("jt-daemon");
        // The foreground exits at once, so the test reads the probe from the cgroup.
        auto started = run_process(jail.command({ "sleep", "120" }, { "--daemonize" }), 60s);
        INFO(started);
        CHECK(started.exit_code == 0);
        CHECK(started.out.empty()); // The probe's stdout is /dev/null.
        REQUIRE(fs::exists(jail.leaf()));
        pid_t pid = -1;
        for (int i = 0; i < 500 && pid <= 0; ++i, std::this_thread::sleep_for(20ms)) {
            std::istringstream(read_text(jail.leaf() + "/cgroup.procs")) >> pid;
        }
        REQUIRE(pid > 0);
        const pid_t daemon = std::stoi(status_field(pid, "PPid"));
        CHECK(read_text("/proc/" + std::to_string(daemon) + "/comm") == "partvm-jailer\n");
        CHECK(::getsid(daemon) == daemon);
        ::kill(pid, SIGKILL);
        for (int i = 0; i < 500 && fs::exists(jail.dir()); ++i) {
            std::this_thread::sleep_for(20ms);
        }
        jail.check_removed();
    }

    TEST_CASE("jailer --netns joins the given network namespace")
    {
        JailUnderTest jail("jt-netns");
        TempDir host;
        const std::string netns = host.write_file("netns", "");
        // unshare(1) bind-mounts its new namespace onto the file, as `ip netns add` does.
        auto made = run_process({ "unshare", "--net=" + netns, "true" }, 30s);
        REQUIRE_MESSAGE(made.exit_code == 0, made.err);
        {
            SleepingJail running(jail, { "--netns", netns });
            REQUIRE(running.pid() > 0);
            struct stat ns_file { };
            struct stat probe_ns { };
            ::stat(netns.c_str(), &ns_file);
            ::stat(("/proc/" + std::to_string(running.pid()) + "/ns/net").c_str(), &probe_ns);
            CHECK(ns_file.st_ino == probe_ns.st_ino);
            ::kill(running.parent(), SIGTERM);
            CHECK(running.finish().exit_code == 0);
        }
        ::umount2(netns.c_str(), MNT_DETACH);
        jail.check_removed();

        auto not_ns
            = run_process(jail.command({}, { "--netns", host.write_file("plain", "") }), 30s);
        CHECK(not_ns.exit_code == 2);
        CHECK(not_ns.err.find("/plain: not a network namespace") != std::string::npos);
    }
}
