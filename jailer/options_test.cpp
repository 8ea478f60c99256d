// SPDX-License-Identifier: Apache-2.0
// partvm-jailer's flags: what each becomes, the defaults, and one clear line per bad input.
#include "jailer/options.h"

#include "tests/support/temp_dir.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace jail;

namespace {

struct Parsed {
    std::variant<int, Options> outcome;
    std::string out;
    std::string err;

    const Options& options() const { return std::get<Options>(outcome); }
    int status() const
    {
        return std::holds_alternative<int>(outcome) ? std::get<int>(outcome) : -1;
    }
};

Parsed parse(std::vector<std::string> args)
{
    args.insert(args.begin(), "partvm-jailer");
    std::vector<const char*> argv;
    for (const std::string& arg : args) {
        argv.push_back(arg.c_str());
    }
    std::ostringstream out;
    std::ostringstream err;
    auto outcome = parse_options(static_cast<int>(argv.size()), argv.data(), out, err);
    return { std::move(outcome), out.str(), err.str() };
}

/// The four required flags, with `more` added; a required flag in `more` replaces the default.
std::vector<std::string> required(std::vector<std::string> more = {})
{
    std::vector<std::string> args;
    const auto flags_end = std::find(more.begin(), more.end(), "--");
    for (auto [flag, value] : { std::pair { "--id", "vm1" }, { "--exec-file", "build/partvm" },
             { "--uid", "1000" }, { "--gid", "1001" } }) {
        if (std::find(more.begin(), flags_end, flag) == flags_end) {
            args.insert(args.end(), { flag, value });
        }
    }
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

/// The error text of a run that must fail with exit 2 and one line.
std::string one_error(std::vector<std::string> more)
{
    Parsed parsed = parse(required(std::move(more)));
    CHECK(parsed.status() == exit_usage);
    CHECK(std::count(parsed.err.begin(), parsed.err.end(), '\n') == 1);
    CHECK(parsed.err.rfind("partvm-jailer: ", 0) == 0);
    return parsed.err;
}

} // namespace

TEST_CASE("the required flags, the defaults, and the paths derived from them")
{
    Parsed parsed = parse(required());
    REQUIRE(std::holds_alternative<Options>(parsed.outcome));
    const Options& options = parsed.options();
    CHECK(options.id == "vm1");
    CHECK(options.uid == 1000);
    CHECK(options.gid == 1001);
    CHECK(options.exec_name == "partvm");
    CHECK(options.jail_dir() == "/srv/partvm-jailer/partvm/vm1");
    CHECK(options.jail_root() == "/srv/partvm-jailer/partvm/vm1/root");
    CHECK(options.cgroup_leaf() == "/sys/fs/cgroup/partvm/vm1");
    CHECK(options.netns.empty());
    CHECK_FALSE(options.daemonize);
    CHECK(options.args.empty());
    REQUIRE(options.rlimits.size() == 2);
    CHECK(options.rlimits[0].name == "nofile");
    CHECK(options.rlimits[0].value == 4096);
    CHECK(options.rlimits[1].name == "core");
    CHECK(options.rlimits[1].value == 0);
    CHECK(parsed.err.empty());
}

TEST_CASE("repeated flags, and everything after -- goes to the exec file")
{
    Parsed parsed = parse(required({ "--cgroup", "memory.max=300M", "--cgroup",
        "cpu.max=100000 100000", "--file", "/k/vmlinux", "--file", "/k/initrd:/boot/initrd",
        "--dir", "/run/vm1:/sock", "--rlimit", "nofile=100", "--rlimit", "fsize=1048576", "--netns",
        "/var/run/netns/x", "--daemonize", "--chroot-base", "/tmp/jails", "--cgroup-parent",
        "tenants/a", "--", "boot", "--kernel", "/vmlinux", "--", "--id" }));
    INFO(parsed.err);
    const Options& options = parsed.options();
    REQUIRE(options.cgroup_settings.size() == 2);
    CHECK(options.cgroup_settings[1].value == "100000 100000");
    CHECK(options.cgroup_value("memory.max") == "300M");
    CHECK(options.cgroup_value("pids.max") == "");
    REQUIRE(options.files.size() == 2);
    CHECK(options.files[0].jail == "/vmlinux");
    CHECK(options.files[1].jail == "/boot/initrd");
    REQUIRE(options.dirs.size() == 1);
    CHECK(options.dirs[0].jail == "/sock");
    // The default nofile is replaced, core kept, fsize added.
    REQUIRE(options.rlimits.size() == 3);
    CHECK(options.rlimits[0].name == "core");
    CHECK(options.rlimits[1].name == "nofile");
    CHECK(options.rlimits[1].value == 100);
    CHECK(options.rlimits[2].name == "fsize");
    CHECK(options.netns == "/var/run/netns/x");
    CHECK(options.daemonize);
    CHECK(options.jail_root() == "/tmp/jails/partvm/vm1/root");
    CHECK(options.cgroup_leaf() == "/sys/fs/cgroup/tenants/a/vm1");
    CHECK(
        options.args == std::vector<std::string> { "boot", "--kernel", "/vmlinux", "--", "--id" });
}

TEST_CASE("--help prints the usage and exits 0")
{
    Parsed parsed = parse({ "--help" });
    CHECK(parsed.status() == 0);
    CHECK(parsed.out.find("--exec-file") != std::string::npos);
    CHECK(parsed.out.find("--cgroup-parent") != std::string::npos);
}

TEST_CASE("bad inputs: exit 2 and one line naming the option and value")
{
    CHECK(one_error({ "--uid", "0" }).find("--uid 0: refusing to run the VMM as root")
        != std::string::npos);
    CHECK(one_error({ "--gid", "0" }).find("--gid 0: refusing") != std::string::npos);
    CHECK(one_error({ "--id", "a/b" }).find("--id a/b: must be 1 to 64 letters")
        != std::string::npos);
    CHECK(one_error({ "--cgroup", "memory.max" }).find("--cgroup memory.max: expected KEY=VALUE")
        != std::string::npos);
    CHECK(one_error({ "--cgroup", "x=1" }).find("'x' is not a cgroup interface file")
        != std::string::npos);
    CHECK(one_error({ "--cgroup", "pids.max=1", "--cgroup", "pids.max=2" })
              .find("pids.max is given twice")
        != std::string::npos);
    CHECK(one_error({ "--rlimit", "cores=0" }).find("--rlimit cores=0: unknown limit")
        != std::string::npos);
    CHECK(one_error({ "--netns", "netns/x" }).find("--netns netns/x: must be an absolute path")
        != std::string::npos);
    CHECK(one_error({ "--chroot-base", "/srv/../tmp" }).find("--chroot-base /srv/../tmp")
        != std::string::npos);
    CHECK(one_error({ "--chroot-base", "/" }).find("--chroot-base /:") != std::string::npos);
    CHECK(one_error({ "--cgroup-parent", "/partvm" }).find("--cgroup-parent /partvm")
        != std::string::npos);
    CHECK(one_error({ "--cgroup-parent", "a/../b" }).find("--cgroup-parent a/../b")
        != std::string::npos);
    CHECK(one_error({ "--file", "/x:/a/../b" }).find("--file /x:/a/../b") != std::string::npos);
    CHECK(one_error({ "--bogus" }).find("--bogus") != std::string::npos);
    CHECK(one_error({ "stray" }).find("stray") != std::string::npos);
}

TEST_CASE("a single-valued flag given twice is refused")
{
    CHECK(one_error({ "--uid", "1", "--uid", "2" }).find("--uid") != std::string::npos);
}

TEST_CASE("a missing required flag is named")
{
    Parsed parsed = parse({ "--id", "a", "--exec-file", "x", "--gid", "1" });
    CHECK(parsed.status() == exit_usage);
    CHECK(parsed.err == "partvm-jailer: --uid is required\n");
}

TEST_CASE("every bad input is reported, one line each")
{
    Parsed parsed = parse({ "--id", "", "--exec-file", "x", "--uid", "0", "--gid", "g" });
    CHECK(parsed.status() == exit_usage);
    CHECK(std::count(parsed.err.begin(), parsed.err.end(), '\n') == 3);
}

TEST_CASE("mount points in the jail may not coincide or nest")
{
    CHECK(one_error({ "--file", "/k/partvm" })
              .find("/partvm in the jail collides with /partvm (--exec-file")
        != std::string::npos);
    CHECK(one_error({ "--dir", "/run/x:/dev/x" }).find("collides with /dev") != std::string::npos);
    CHECK(one_error({ "--dir", "/run/x:/s", "--file", "/k/a:/s/a" })
        == "partvm-jailer: --dir /run/x:/s: /s in the jail collides with /s/a (--file "
           "/k/a:/s/a)\n");
    CHECK(one_error({ "--file", "/k/a:/s/a", "--dir", "/run/x:/s" })
              .find("--dir /run/x:/s: /s in the jail")
        != std::string::npos);
    CHECK(
        one_error({ "--exec-file", "/bin/dev" }).find("--exec-file /bin/dev") != std::string::npos);
}

TEST_CASE("host paths are resolved and checked against the file system")
{
    const partvm_test::TempDir scratch("jailer-options");
    const std::string& dir = scratch.path();
    const std::string exec = dir + "/vmm";
    std::ofstream(exec) << "#!/bin/sh\n";
    ::chmod(exec.c_str(), 0755);
    std::ofstream(dir + "/plain") << "data";
    ::mkdir((dir + "/sockets").c_str(), 0755);

    Parsed good = parse({ "--id", "a", "--exec-file", exec, "--uid", "1", "--gid", "1", "--file",
        dir + "/plain:/p", "--dir", dir + "/sockets" });
    Options options = good.options();
    CHECK(resolve_host_paths(options).empty());
    CHECK(options.exec_file == exec);

    Parsed bad = parse({ "--id", "a", "--exec-file", dir + "/plain", "--uid", "1", "--gid", "1",
        "--file", dir + "/sockets", "--dir", dir + "/plain:/p", "--file", dir + "/missing",
        "--netns", dir + "/nons" });
    Options bad_options = bad.options();
    const auto errors = resolve_host_paths(bad_options);
    REQUIRE(errors.size() == 5);
    CHECK(errors[0] == "--exec-file " + dir + "/plain: not an executable regular file");
    CHECK(errors[1] == "--file " + dir + "/sockets: is a directory (use --dir)");
    CHECK(errors[2] == "--file " + dir + "/missing: No such file or directory");
    CHECK(errors[3] == "--dir " + dir + "/plain: not a directory");
    CHECK(errors[4] == "--netns " + dir + "/nons: No such file or directory");
}

TEST_CASE("--file-rw binds a writable file, checked like --file")
{
    Parsed parsed = parse(required({ "--file", "/k/vmlinux", "--file-rw", "/img/root.img:/disks/0",
        "--file-rw", "/dev/sdb:/disks/1" }));
    INFO(parsed.err);
    const Options& options = parsed.options();
    REQUIRE(options.rw_files.size() == 2);
    CHECK(options.rw_files[0].host == "/img/root.img");
    CHECK(options.rw_files[0].jail == "/disks/0");
    CHECK(options.rw_files[1].jail == "/disks/1");
    CHECK(options.files.size() == 1);
    CHECK(one_error({ "--file-rw", "/img/a:/disks", "--file-rw", "/img/b:/disks/1" })
        == "partvm-jailer: --file-rw /img/b:/disks/1: /disks/1 in the jail collides with /disks "
           "(--file-rw /img/a:/disks)\n");

    const partvm_test::TempDir scratch("jailer-options");
    const std::string exec = scratch.write_file("vmm", "#!/bin/sh\n");
    ::chmod(exec.c_str(), 0755);
    const std::string image = scratch.write_file("a.img", "data");
    Parsed checked = parse({ "--id", "a", "--exec-file", exec, "--uid", "1", "--gid", "1",
        "--file-rw", image + ":/disks/0", "--file-rw", scratch.path() + ":/disks/1" });
    Options checked_options = checked.options();
    const auto errors = resolve_host_paths(checked_options);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == "--file-rw " + scratch.path() + ": is a directory (use --dir)");
}
