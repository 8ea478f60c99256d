// SPDX-License-Identifier: Apache-2.0
#include "vmm/cli/cli.h"

#include "tests/support/temp_dir.h"

#include <doctest/doctest.h>

#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

using namespace vmm;

namespace {

struct Run {
    CliOutcome outcome;
    std::string out;
    std::string err;

    const BootRequest& boot() const
    {
        const auto* request = std::get_if<BootRequest>(&outcome.action);
        REQUIRE(request != nullptr);
        return *request;
    }
};

Run run(std::initializer_list<const char*> args)
{
    std::vector<const char*> argv { "partvm" };
    argv.insert(argv.end(), args);
    std::ostringstream out;
    std::ostringstream err;
    CliOutcome outcome = parse_cli(static_cast<int>(argv.size()), argv.data(), out, err);
    return { std::move(outcome), out.str(), err.str() };
}

/// A config file in a scratch directory removed at the end of the test.
struct TempConfig {
    explicit TempConfig(std::string_view text)
        : path(dir.write_file("vm.toml", text))
    {
    }
    partvm_test::TempDir dir;
    std::string path;
};

} // namespace

TEST_CASE("cli: --help prints usage and exits 0")
{
    Run result = run({ "--help" });
    CHECK(result.outcome.exit_code() == 0);
    CHECK(result.out.find("boot") != std::string::npos);
    CHECK(result.err.empty());
}

TEST_CASE("cli: boot --help lists the boot flags and exits 0")
{
    Run result = run({ "boot", "--help" });
    CHECK(result.outcome.exit_code() == 0);
    CHECK(result.out.find("--kernel") != std::string::npos);
    CHECK(result.out.find("--log-level") != std::string::npos);
}

TEST_CASE("cli: --version prints the version and exits 0")
{
    Run result = run({ "--version" });
    CHECK(result.outcome.exit_code() == 0);
    CHECK(result.out.rfind("partvm ", 0) == 0);
}

TEST_CASE("cli: an unknown flag exits 2 with a partvm: line")
{
    Run result = run({ "boot", "--kernel", "bzImage", "--bogus" });
    CHECK(result.outcome.exit_code() == exit_usage_error);
    CHECK(result.err.rfind("partvm: ", 0) == 0);
    CHECK(result.err.find("--bogus") != std::string::npos);
    CHECK(result.err.find("partvm: run 'partvm boot --help' for usage") != std::string::npos);
}

TEST_CASE("cli: no subcommand exits 2")
{
    Run result = run({});
    CHECK(result.outcome.exit_code() == exit_usage_error);
    CHECK(result.err.find("partvm: run 'partvm --help' for usage") != std::string::npos);
}

TEST_CASE("cli: boot with only a kernel uses the defaults")
{
    Run result = run({ "boot", "--kernel", "bzImage" });
    CHECK(result.err.empty());
    CHECK(result.boot().config.boot.kernel == "bzImage");
    CHECK(result.boot().config.machine == MachineConfig {});
    CHECK_FALSE(result.boot().config.boot.cmdline_set);
    CHECK(result.boot().log_level == LogLevel::Warn);
}

TEST_CASE("cli: every boot flag lands in the config")
{
    Run result = run({ "boot", "--kernel", "k", "--initrd", "i", "--cmdline", "console=ttyS0",
        "--memory", "1G", "--vcpus", "4", "--serial", "--log-level", "debug" });
    const VmConfig& config = result.boot().config;
    CHECK(config.boot.initrd == "i");
    CHECK(config.boot.cmdline == "console=ttyS0");
    CHECK(config.boot.cmdline_set);
    CHECK(config.machine.memory_bytes == 1ull << 30);
    CHECK(config.machine.vcpus == 4);
    CHECK(config.console.serial);
    CHECK(result.boot().log_level == LogLevel::Debug);
}

TEST_CASE("cli: a missing kernel exits 2 naming --kernel")
{
    Run result = run({ "boot" });
    CHECK(result.outcome.exit_code() == exit_usage_error);
    CHECK(result.err == "partvm: --kernel: no kernel image given\n");
}

TEST_CASE("cli: a bad memory value quotes the value")
{
    Run result = run({ "boot", "--kernel", "k", "--memory", "12X" });
    CHECK(result.outcome.exit_code() == exit_usage_error);
    CHECK(result.err
        == "partvm: --memory: invalid memory size '12X': unknown suffix 'X' (use B, K, M, G, T, "
           "KiB, MiB, GiB or TiB)\n");
}

TEST_CASE("cli: bad flag values are all reported together")
{
    Run result = run({ "boot", "--memory", "8M", "--vcpus", "many" });
    CHECK(result.err
        == "partvm: --vcpus: expected a whole number, got 'many'\n"
           "partvm: --memory: 8 MiB is below the minimum of 16 MiB\n"
           "partvm: --kernel: no kernel image given\n");
}

TEST_CASE("cli: an out-of-range vcpu count names the flag")
{
    CHECK(run({ "boot", "--kernel", "k", "--vcpus", "0" }).err
        == "partvm: --vcpus: must be between 1 and 254, got 0\n");
    CHECK(run({ "boot", "--kernel", "k", "--vcpus", "99999999999" }).err
        == "partvm: --vcpus: must be between 1 and 254, got 99999999999\n");
}

TEST_CASE("cli: a bad log level exits 2")
{
    Run result = run({ "boot", "--kernel", "k", "--log-level", "loud" });
    CHECK(result.outcome.exit_code() == exit_usage_error);
    CHECK(result.err.find("loud") != std::string::npos);
}

TEST_CASE("cli: flags override the config file")
{
    TempConfig file("[machine]\nmemory = \"1G\"\nvcpus = 8\n[boot]\nkernel = \"bzImage\"\n"
                    "initrd = \"initrd\"\n[console]\nserial = true\n");
    Run result = run({ "boot", "--config", file.path.c_str(), "--vcpus", "2", "--kernel",
        "/other/bzImage", "--no-serial" });
    const VmConfig& config = result.boot().config;
    CHECK(config.machine.memory_bytes == 1ull << 30);
    CHECK(config.machine.vcpus == 2);
    CHECK(config.boot.kernel == "/other/bzImage");
    CHECK(config.boot.initrd == file.dir.file("initrd"));
    CHECK_FALSE(config.console.serial);
}

TEST_CASE("cli: config file errors keep their file and line")
{
    TempConfig file("[machine]\nmemroy = \"1G\"\n");
    Run result = run({ "boot", "--config", file.path.c_str(), "--kernel", "k" });
    CHECK(result.outcome.exit_code() == exit_usage_error);
    CHECK(result.err
        == "partvm: " + file.path + ":2:1: machine.memroy: unknown key (did you mean 'memory'?)\n");
}

TEST_CASE("cli: validation errors point at the config file line that caused them")
{
    TempConfig file("[machine]\nvcpus = 0\n");
    Run result = run({ "boot", "--config", file.path.c_str() });
    CHECK(result.err
        == "partvm: " + file.path + ":2:9: machine.vcpus: must be between 1 and 254, got 0\n"
            + "partvm: " + file.path + ": boot.kernel: no kernel image given\n");
}

TEST_CASE("cli: a flag that fixes a bad file value wins")
{
    TempConfig file("[machine]\nvcpus = 0\n[boot]\nkernel = \"k\"\n");
    Run result = run({ "boot", "--config", file.path.c_str(), "--vcpus", "1" });
    CHECK(result.err.empty());
    CHECK(result.boot().config.machine.vcpus == 1);
}

TEST_CASE("cli: a missing config file exits 2 naming the file")
{
    Run result = run({ "boot", "--config", "/nonexistent/vm.toml", "--kernel", "k" });
    CHECK(result.outcome.exit_code() == exit_usage_error);
    CHECK(result.err == "partvm: /nonexistent/vm.toml: cannot open: No such file or directory\n");
}

TEST_CASE("cli: an empty --cmdline is still an explicit command line")
{
    Run result = run({ "boot", "--kernel", "k", "--cmdline", "" });
    CHECK(result.boot().config.boot.cmdline.empty());
    CHECK(result.boot().config.boot.cmdline_set);
}

TEST_CASE("cli: --serial and --no-serial together are a contradiction")
{
    Run result = run({ "boot", "--kernel", "k", "--serial", "--no-serial" });
    CHECK(result.outcome.exit_code() == exit_usage_error);
    CHECK(result.err == "partvm: --no-serial: contradicts --serial\n");
}

TEST_CASE("cli: --shutdown-timeout sets the grace period and checks its range")
{
    CHECK(run({ "boot", "--kernel", "k", "--shutdown-timeout", "0" })
              .boot()
              .config.machine.shutdown_timeout_s
        == 0);
    CHECK(run({ "boot", "--kernel", "k", "--shutdown-timeout", "3601" }).err
        == "partvm: --shutdown-timeout: must be between 0 and 3600, got 3601\n");
    CHECK(run({ "boot", "--kernel", "k", "--shutdown-timeout", "soon" }).err
        == "partvm: --shutdown-timeout: expected a whole number, got 'soon'\n");
}

TEST_CASE("cli: --log-level trace is accepted")
{
    CHECK(run({ "boot", "--kernel", "k", "--log-level", "trace" }).boot().log_level
        == LogLevel::Trace);
}

TEST_CASE("cli: --vsock sets the hybrid vsock socket and is validated")
{
    CHECK(run({ "boot", "--kernel", "k", "--vsock", "/run/vm.sock" }).boot().config.vsock.socket
        == "/run/vm.sock");
    CHECK(run({ "boot", "--kernel", "k" }).boot().config.vsock.socket.empty());
    const std::string long_path(100, 'x');
    CHECK(run({ "boot", "--kernel", "k", "--vsock", long_path.c_str() }).err
        == "partvm: --vsock: the path is 100 bytes long; a Unix socket path may have at most 96 "
           "here\n");
}

TEST_CASE("cli: run --timeout out of range or too large is reported once")
{
    CHECK(run({ "run", "--kernel", "k", "--rootfs", "r", "--timeout", "0", "--", "true" }).err
        == "partvm: --timeout: must be between 1 and 4000000, got 0\n");
    CHECK(run({ "run", "--kernel", "k", "--rootfs", "r", "--timeout", "99999999999", "--", "true" })
              .err
        == "partvm: --timeout: must be between 1 and 4000000, got 99999999999\n");
}

TEST_CASE("cli: check takes --json and nothing else")
{
    Run plain = run({ "check" });
    const auto* request = std::get_if<CheckRequest>(&plain.outcome.action);
    REQUIRE(request != nullptr);
    CHECK_FALSE(request->json);
    Run json = run({ "check", "--json" });
    REQUIRE(std::get_if<CheckRequest>(&json.outcome.action) != nullptr);
    CHECK(std::get_if<CheckRequest>(&json.outcome.action)->json);
    Run stray = run({ "check", "--kernel", "x" });
    CHECK(stray.outcome.exit_code() == 2);
}

TEST_CASE("cli: each --disk follows the config file's [[disk]] tables")
{
    TempConfig file("[boot]\nkernel = \"k\"\n[[disk]]\npath = \"root.img\"\n");
    Run result = run({ "boot", "--config", file.path.c_str(), "--disk", "/dev/sdb,ro,serial=b",
        "--disk", "c.img,direct" });
    INFO(result.err);
    const auto& disks = result.boot().config.disks;
    REQUIRE(disks.size() == 3);
    CHECK(disks[0] == DiskConfig { file.dir.file("root.img"), false, "", false });
    CHECK(disks[1] == DiskConfig { "/dev/sdb", true, "b", false });
    CHECK(disks[2] == DiskConfig { "c.img", false, "", true });
}

TEST_CASE("cli: --disk errors name the flag and its value, all at once")
{
    Run result = run({ "boot", "--kernel", "k", "--disk", "a.img,rw", "--disk", ",ro", "--disk",
        "b.img,serial=" });
    CHECK(result.outcome.exit_code() == exit_usage_error);
    CHECK(result.err
        == "partvm: --disk a.img,rw: unknown option 'rw' (did you mean 'ro'?)\n"
           "partvm: --disk ,ro: no path before the options (PATH[,ro][,serial=S][,direct])\n"
           "partvm: --disk b.img,serial=: serial= needs a value (serial=S)\n");
}

TEST_CASE("cli: validation of a --disk names the flag; of a [[disk]], its line")
{
    TempConfig file("[boot]\nkernel = \"k\"\n[[disk]]\npath = \"a.img\"\nserial = \"x\"\n");
    Run result = run({ "boot", "--config", file.path.c_str(), "--disk", "b.img,serial=x", "--disk",
        "c.img,serial=\x01" });
    CHECK(result.outcome.exit_code() == exit_usage_error);
    CHECK(result.err
        == "partvm: --disk b.img,serial=x: 'x' is the serial of disk[0] too; serials must be "
           "unique\n"
           "partvm: --disk c.img,serial=\x01: may hold only printable ASCII characters (space to "
           "'~')\n");
    TempConfig bad("[boot]\nkernel = \"k\"\n[[disk]]\npath = \"a.img\"\nserial = \"a b\\t\"\n");
    Run located = run({ "boot", "--config", bad.path.c_str() });
    CHECK(located.err
        == "partvm: " + bad.path
            + ":5:10: disk[0].serial: may hold only printable ASCII characters (space to '~')\n");
}

TEST_CASE("cli: boot --help explains --disk and the comma")
{
    Run result = run({ "boot", "--help" });
    CHECK(result.out.find("--disk PATH[,ro][,serial=S][,direct]") != std::string::npos);
    CHECK(result.out.find("'\\,'") != std::string::npos);
}
