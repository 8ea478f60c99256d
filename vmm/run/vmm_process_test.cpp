// SPDX-License-Identifier: Apache-2.0
// The argv partvm run builds for its VMM re-spells flags that two other parsers read: `partvm boot`
// (vmm/cli) and partvm-jailer (jailer/options). Each must parse back to the request it came from.
#include "vmm/run/vmm_process.h"

#include "jailer/options.h"

#include <doctest/doctest.h>
#include <sstream>

using namespace vmm;

namespace {

RunRequest sample_request()
{
    RunRequest request;
    request.config.boot.kernel = "/images/kernel";
    request.config.boot.initrd = "/images/initrd.img";
    request.config.boot.cmdline = "console=ttyS0 quiet";
    request.config.boot.cmdline_set = true;
    request.config.machine.memory_bytes = 384ull << 20;
    request.config.machine.vcpus = 3;
    request.config.console.serial = true;
    request.config.disks = {
        { "/images/root,1.img", false, "", true },
        { "/dev/sdb", true, "data", false },
    };
    request.log_level = LogLevel::Debug;
    request.fencing.seccomp = false;
    request.fencing.forbidden_syscall_test = ThreadKind::Io;
    request.command = { "true" };
    return request;
}

/// parse_cli() over an argv whose [0] is the program; the BootRequest it yields.
BootRequest parse_boot(const std::vector<std::string>& argv)
{
    std::vector<const char*> pointers;
    for (const std::string& arg : argv) {
        pointers.push_back(arg.c_str());
    }
    std::ostringstream out;
    std::ostringstream err;
    CliOutcome outcome = parse_cli(int(pointers.size()), pointers.data(), out, err);
    INFO("errors: " << err.str());
    const auto* boot = std::get_if<BootRequest>(&outcome.action);
    REQUIRE(boot != nullptr);
    return *boot;
}

/// `disk_paths` are the disks' paths as the VMM sees them; everything else must be as requested.
void check_same_vm(const BootRequest& boot, const RunRequest& request, const std::string& kernel,
    const std::string& initrd, const std::string& socket_dir,
    const std::vector<std::string>& disk_paths)
{
    REQUIRE(boot.config.disks.size() == disk_paths.size());
    for (size_t i = 0; i < disk_paths.size(); ++i) {
        DiskConfig expected = request.config.disks.at(i);
        expected.path = disk_paths[i];
        CHECK(boot.config.disks[i] == expected);
    }
    CHECK(boot.config.boot.kernel == kernel);
    CHECK(boot.config.boot.initrd == initrd);
    CHECK(boot.config.boot.cmdline == request.config.boot.cmdline);
    CHECK(boot.config.boot.cmdline_set);
    CHECK(boot.config.machine.memory_bytes == request.config.machine.memory_bytes);
    CHECK(boot.config.machine.vcpus == request.config.machine.vcpus);
    CHECK(boot.config.console.serial == request.config.console.serial);
    CHECK(boot.config.machine.shutdown_timeout_s == 0); // run throws the guest away.
    CHECK(boot.config.vsock.socket == socket_dir + "/vsock");
    CHECK(boot.log_level == request.log_level);
    CHECK(boot.fencing.seccomp == request.fencing.seccomp);
    CHECK(boot.fencing.forbidden_syscall_test == request.fencing.forbidden_syscall_test);
}

} // namespace

TEST_CASE("run: the unjailed VMM's argv parses back to the same VM as partvm boot")
{
    const RunRequest request = sample_request();
    VmmLaunch launch;
    launch.socket_dir = "/tmp/partvm-x";
    const auto argv = vmm_argv(request, launch, "/opt/partvm/partvm");
    REQUIRE(argv.front() == "/opt/partvm/partvm");
    check_same_vm(parse_boot(argv), request, "/images/kernel", "/images/initrd.img",
        "/tmp/partvm-x", { "/images/root,1.img", "/dev/sdb" });
}

TEST_CASE("run: a default request (no cmdline, no serial, fenced) round-trips too")
{
    RunRequest request;
    request.config.boot.kernel = "/k";
    request.config.boot.initrd = "/i";
    VmmLaunch launch;
    launch.socket_dir = "/d";
    const BootRequest boot = parse_boot(vmm_argv(request, launch, "/partvm"));
    CHECK_FALSE(boot.config.boot.cmdline_set);
    CHECK_FALSE(boot.config.console.serial);
    CHECK(boot.fencing.seccomp);
    CHECK_FALSE(boot.fencing.forbidden_syscall_test.has_value());
    CHECK(boot.config.machine.memory_bytes == request.config.machine.memory_bytes);
    CHECK(boot.config.machine.vcpus == request.config.machine.vcpus);
    CHECK(boot.config.disks.empty());
    // The one intended difference: run throws the guest away, so it never waits for a shutdown.
    CHECK(request.config.machine.shutdown_timeout_s != 0);
    CHECK(boot.config.machine.shutdown_timeout_s == 0);
}

TEST_CASE("run: the jailed argv parses as partvm-jailer options around the same partvm boot")
{
    const RunRequest request = sample_request();
    VmmLaunch launch;
    launch.socket_dir = "/tmp/partvm-x";
    launch.jailed = true;
    launch.jail_id = "run-42-7";
    launch.jail_uid = 1234;
    launch.jail_gid = 5678;
    const auto argv = vmm_argv(request, launch, "/opt/partvm/partvm");
    REQUIRE(argv.front() == "/opt/partvm/partvm-jailer");

    std::vector<const char*> pointers;
    for (const std::string& arg : argv) {
        pointers.push_back(arg.c_str());
    }
    std::ostringstream out;
    std::ostringstream err;
    auto parsed = jail::parse_options(int(pointers.size()), pointers.data(), out, err);
    INFO("jailer errors: " << err.str());
    const auto* options = std::get_if<jail::Options>(&parsed);
    REQUIRE(options != nullptr);
    CHECK(options->id == "run-42-7");
    CHECK(options->exec_file == "/opt/partvm/partvm");
    CHECK(options->uid == 1234);
    CHECK(options->gid == 5678);
    CHECK(options->cgroup_value("memory.max")
        == std::to_string(request.config.machine.memory_bytes + (128ull << 20)));
    REQUIRE(options->files.size() == 3);
    CHECK(options->files[0].host == "/images/kernel");
    CHECK(options->files[0].jail == "/kernel");
    CHECK(options->files[1].host == "/images/initrd.img");
    CHECK(options->files[1].jail == "/initrd");
    // Read-only disks get the read-only bind, writable ones a writable one.
    CHECK(options->files[2].host == "/dev/sdb");
    CHECK(options->files[2].jail == "/disks/1");
    REQUIRE(options->rw_files.size() == 1);
    CHECK(options->rw_files[0].host == "/images/root,1.img");
    CHECK(options->rw_files[0].jail == "/disks/0");
    REQUIRE(options->dirs.size() == 1);
    CHECK(options->dirs[0].host == "/tmp/partvm-x");

    // The jailer execs its exec file with these arguments: partvm boot inside the jail.
    std::vector<std::string> inner { "/partvm" };
    inner.insert(inner.end(), options->args.begin(), options->args.end());
    check_same_vm(parse_boot(inner), request, "/kernel", "/initrd", options->dirs[0].jail,
        { "/disks/0", "/disks/1" });
}
