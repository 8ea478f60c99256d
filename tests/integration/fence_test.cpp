// SPDX-License-Identifier: Apache-2.0
// The fence around `partvm run`'s VMM, end to end: as root (as these tests run in L1) the VMM is
// jailed, unprivileged and under seccomp on every thread; each thread kind that breaks its filter
// kills the VMM with SIGSYS, and partvm run says so.
#include "tests/integration/process.h"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace partvm_test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> run_argv(std::vector<std::string> flags, std::vector<std::string> command)
{
    std::vector<std::string> argv = { partvm_binary(), "run", "--memory", "256M" };
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
}

const fs::path cgroup_parent = "/sys/fs/cgroup/partvm";

/// The jailed VMM of the one partvm run going on: found through its cgroup leaf once all of
/// its threads (control, VMBus, 2 vCPUs) are fenced. -1 if that does not happen in time.
pid_t wait_for_fenced_vmm()
{
    for (auto deadline = std::chrono::steady_clock::now() + 120s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
        std::error_code error;
        for (const auto& leaf : fs::directory_iterator(cgroup_parent, error)) {
            if (leaf.path().filename().string().rfind("run-", 0) != 0) {
                continue;
            }
            pid_t pid = -1;
            std::istringstream(read_text(leaf.path() / "cgroup.procs")) >> pid;
            const fs::path task_dir = "/proc/" + std::to_string(pid) + "/task";
            if (pid <= 0 || !fs::exists(task_dir, error)) {
                continue;
            }
            int threads = 0;
            int fenced = 0;
            for (const auto& task : fs::directory_iterator(task_dir, error)) {
                ++threads;
                fenced += status_field(task.path() / "status", "Seccomp") == "2";
            }
            if (threads >= 4 && fenced == threads) {
                return pid;
            }
        }
    }
    return -1;
}

} // namespace

TEST_SUITE("kvm")
{
    TEST_CASE("run as root: the VMM is jailed, unprivileged and fenced on every thread")
    {
        REQUIRE(::geteuid() == 0);
        auto run = std::async(std::launch::async, [] {
            return run_process(run_argv({}, { "sh", "-c", "sleep 20; echo done" }));
        });
        const pid_t vmm = wait_for_fenced_vmm();
        REQUIRE(vmm > 0);
        const fs::path proc = "/proc/" + std::to_string(vmm);
        CHECK(status_field(proc / "status", "Uid").rfind("65534\t", 0) == 0);
        CHECK(status_field(proc / "status", "CapEff") == "0000000000000000");
        CHECK(status_field(proc / "status", "CapBnd") == "0000000000000000");
        CHECK(status_field(proc / "status", "NoNewPrivs") == "1");
        CHECK(status_field(proc / "status", "NSpid").find('\t') != std::string::npos); // PID ns
        for (const char* ns : { "mnt", "pid", "ipc", "uts", "net" }) {
            CAPTURE(ns);
            CHECK(fs::read_symlink(proc / "ns" / ns)
                != fs::read_symlink(fs::path("/proc/self/ns") / ns));
        }
        // Its root holds what the VM needs, and nothing of the host.
        std::set<std::string> root;
        for (const auto& entry : fs::directory_iterator(proc / "root")) {
            root.insert(entry.path().filename().string());
        }
        CHECK(root == std::set<std::string> { "dev", "initrd", "kernel", "partvm", "run" });
        auto result = run.get();
        INFO("stderr: " << result.err);
        CHECK(result.exit_code == 0);
        CHECK(result.out == "done\n");
        // Nothing left: no jail directory, no cgroup leaf.
        std::error_code error;
        for (const auto& entry : fs::directory_iterator("/run/partvm-jailer/partvm", error)) {
            FAIL("jail left behind: " << entry.path());
        }
        for (const auto& entry : fs::directory_iterator(cgroup_parent, error)) {
            CHECK(entry.path().filename().string().rfind("run-", 0) != 0);
        }
    }

    TEST_CASE("run: a forbidden syscall on any thread kind kills the VMM, and run says so")
    {
        // Jailed for each kind (the default as root), and once without the jail.
        const std::vector<std::vector<std::string>> cases = {
            { "--test-forbidden-syscall", "vcpu" },
            { "--test-forbidden-syscall", "io" },
            { "--test-forbidden-syscall", "control" },
            { "--test-forbidden-syscall", "io", "--no-jail" },
        };
        for (const auto& flags : cases) {
            CAPTURE(flags.back());
            CAPTURE(flags.size());
            auto result = run_process(run_argv(flags, { "echo", "never" }));
            INFO("stderr: " << result.err);
            CHECK(result.exit_code == 125);
            CHECK(result.out.empty());
            CHECK(result.err.find("killed by its seccomp filter (SIGSYS)") != std::string::npos);
        }
    }

    TEST_CASE("run --no-seccomp warns that the VMM is unfenced, and still works")
    {
        auto result = run_process(run_argv({ "--no-seccomp" }, { "echo", "ok" }));
        CHECK(result.exit_code == 0);
        CHECK(result.out == "ok\n");
        CHECK(result.err.find("--no-seccomp") != std::string::npos);
        CHECK(result.err.find("debugging only") != std::string::npos);
    }
}
