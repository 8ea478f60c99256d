// SPDX-License-Identifier: Apache-2.0
#include "vmm/config/parse_toml.h"

#include "tests/support/temp_dir.h"

#include <doctest/doctest.h>

#include <string>

using namespace vmm;
using partvm_test::TempDir;

namespace {

/// All errors of a config that must fail, one to_string() per line.
std::string errors_of(std::string_view text, std::string_view file = "vm.toml")
{
    auto result = parse_toml_config(text, file);
    REQUIRE_FALSE(result.has_value());
    std::string joined;
    for (const ConfigError& error : result.error()) {
        joined += error.to_string() + "\n";
    }
    return joined;
}

} // namespace

TEST_CASE("toml config: an empty file gives the defaults")
{
    CHECK(parse_toml_config("", "vm.toml").value() == VmConfig {});
}

TEST_CASE("toml config: every key is read")
{
    auto config = parse_toml_config(R"(
[machine]
memory = "1G"
vcpus = 4
[boot]
kernel = "/boot/bzImage"
initrd = "/boot/initrd.img"
cmdline = "console=ttyS0 quiet"
[console]
serial = true
)",
        "/vms/a/vm.toml")
                      .value();
    CHECK(config.machine.memory_bytes == 1ull << 30);
    CHECK(config.machine.vcpus == 4);
    CHECK(config.boot.kernel == "/boot/bzImage");
    CHECK(config.boot.initrd == "/boot/initrd.img");
    CHECK(config.boot.cmdline == "console=ttyS0 quiet");
    CHECK(config.boot.cmdline_set);
    CHECK(config.console.serial);
}

TEST_CASE("toml config: an integer memory counts MiB")
{
    CHECK(parse_toml_config("[machine]\nmemory = 512\n", "vm.toml").value().machine.memory_bytes
        == 512ull << 20);
}

TEST_CASE("toml config: an empty cmdline still counts as set")
{
    auto config = parse_toml_config("[boot]\ncmdline = \"\"\n", "vm.toml").value();
    CHECK(config.boot.cmdline.empty());
    CHECK(config.boot.cmdline_set);
}

TEST_CASE("toml config: relative paths resolve against the file's directory")
{
    auto config = parse_toml_config(
        "[boot]\nkernel = \"bzImage\"\ninitrd = \"../shared/initrd\"\n", "/vms/a/vm.toml")
                      .value();
    CHECK(config.boot.kernel == "/vms/a/bzImage");
    CHECK(config.boot.initrd == "/vms/shared/initrd");
}

TEST_CASE("toml config: a bare file name leaves relative paths relative to the working directory")
{
    auto config = parse_toml_config("[boot]\nkernel = \"bzImage\"\n", "vm.toml").value();
    CHECK(config.boot.kernel == "bzImage");
}

TEST_CASE("toml config: dotted keys and inline tables work like table headers")
{
    auto config = parse_toml_config("machine.vcpus = 3\nconsole = { serial = true }\n", "vm.toml");
    CHECK(config.value().machine.vcpus == 3);
    CHECK(config.value().console.serial);
}

TEST_CASE("toml config: a misspelt key is reported with its line and a suggestion")
{
    CHECK(errors_of("[machine]\nvcpus = 2\nmemroy = \"1G\"\n")
        == "vm.toml:3:1: machine.memroy: unknown key (did you mean 'memory'?)\n");
}

TEST_CASE("toml config: an unrelated key is reported with the keys that are allowed")
{
    CHECK(errors_of("[console]\nvirtio = true\n")
        == "vm.toml:2:1: console.virtio: unknown key (expected one of: serial)\n");
}

TEST_CASE("toml config: a misspelt table is reported once, not each key in it")
{
    CHECK(errors_of("[machin]\nmemory = \"1G\"\nvcpus = 2\n")
        == "vm.toml:1:2: machin: unknown table (did you mean 'machine'?)\n");
}

TEST_CASE("toml config: a value of the wrong type names both types")
{
    CHECK(errors_of("[machine]\nvcpus = \"2\"\n")
        == "vm.toml:2:9: machine.vcpus: expected an integer, got string\n");
    CHECK(errors_of("[console]\nserial = 1\n")
        == "vm.toml:2:10: console.serial: expected a boolean (true or false), got integer\n");
    CHECK(errors_of("machine = 4\n") == "vm.toml:1:11: machine: expected a table, got integer\n");
    CHECK(errors_of("[boot]\nkernel = [\"a\"]\n")
        == "vm.toml:2:10: boot.kernel: expected a string, got array\n");
}

TEST_CASE("toml config: memory must be a size string or an integer")
{
    CHECK(errors_of("[machine]\nmemory = 1.5\n")
        == "vm.toml:2:10: machine.memory: expected a string like \"256M\" or an integer count "
           "of MiB, got float\n");
}

TEST_CASE("toml config: a bad memory value quotes the value")
{
    CHECK(errors_of("[machine]\nmemory = \"12X\"\n")
        == "vm.toml:2:10: machine.memory: invalid memory size '12X': unknown suffix 'X' (use B, K, "
           "M, G, T, KiB, MiB, GiB or TiB)\n");
    CHECK(errors_of("[machine]\nmemory = -1\n")
        == "vm.toml:2:10: machine.memory: invalid memory size -1 MiB: must not be negative\n");
}

TEST_CASE("toml config: vcpus that do not fit 32 bits are rejected while parsing")
{
    CHECK(errors_of("[machine]\nvcpus = -1\n")
        == "vm.toml:2:9: machine.vcpus: must be between 1 and 254, got -1\n");
    CHECK(errors_of("[machine]\nvcpus = 4294967296\n")
        == "vm.toml:2:9: machine.vcpus: must be between 1 and 254, got 4294967296\n");
}

TEST_CASE("toml config: several errors are reported at once in file order")
{
    CHECK(errors_of(R"([machine]
vcpus = "four"
memroy = 1
[boot]
kernal = "bzImage"
initrd = 7
[consol]
)") == R"(vm.toml:2:9: machine.vcpus: expected an integer, got string
vm.toml:3:1: machine.memroy: unknown key (did you mean 'memory'?)
vm.toml:5:1: boot.kernal: unknown key (did you mean 'kernel'?)
vm.toml:6:10: boot.initrd: expected a string, got integer
vm.toml:7:2: consol: unknown table (did you mean 'console'?)
)");
}

TEST_CASE("toml config: a syntax error carries toml++'s position")
{
    auto result = parse_toml_config("[machine]\nvcpus = = 2\n", "vm.toml");
    REQUIRE_FALSE(result.has_value());
    REQUIRE(result.error().size() == 1);
    CHECK(result.error()[0].file == "vm.toml");
    CHECK(result.error()[0].line == 2);
    CHECK(result.error()[0].column > 0);
    CHECK(result.error()[0].key_path.empty());
    CHECK_FALSE(result.error()[0].message.empty());
}

TEST_CASE("toml config: a malformed table header is a parse error, not a toml++ assertion")
{
    // Upstream marzer/tomlplusplus#294 and PR #301; tomlpp.h turns the assertions off.
    CHECK(errors_of("[machine]\n[ = \"x\"\n")
        == "vm.toml:2:3: Error while parsing key: expected bare key starting character or string "
           "delimiter, saw '='\n");
    CHECK(errors_of("[&").find("saw '&'") != std::string::npos);
    CHECK(errors_of("[[[1]]]").find("saw '['") != std::string::npos);
    CHECK(errors_of("[[=").find("saw '='") != std::string::npos);
}

TEST_CASE("toml config: a stray non-ASCII character is a parse error, not undefined behaviour")
{
    // Upstream marzer/tomlplusplus#190 and #295; tomlpp.h patches the classifier. Only UBSan or a
    // clang release build showed the bug; these inputs keep it covered there.
    CHECK(errors_of("machine.vcpus = 30\u00bc\n")
        == "vm.toml:1:19: Error while parsing decimal integer: expected digit, saw '\u00bc'\n");
    CHECK(errors_of("\xcc\xaa").find("vm.toml:1:1: ") == 0);
    CHECK(errors_of("s = \"\"\"\\\n\u00a7\"\"\"\n")
        == "vm.toml:1:1: s: unknown key (expected one of: machine, boot, console, vsock, disk)\n");
}

TEST_CASE("toml config: a duplicate key is a syntax error")
{
    auto result = parse_toml_config("[machine]\nvcpus = 2\nvcpus = 3\n", "vm.toml");
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().at(0).line == 3);
}

TEST_CASE("toml config: a NUL escaped in a string is kept for validate() to reject")
{
    auto config = parse_toml_config("[boot]\ncmdline = \"a\\u0000b\"\n", "vm.toml").value();
    CHECK(config.boot.cmdline == std::string("a\0b", 3));
}

TEST_CASE("toml config: the source map lets later errors point at the line")
{
    ConfigSourceMap sources;
    REQUIRE(parse_toml_config("[machine]\n\nvcpus = 0\n", "vm.toml", &sources).has_value());
    ConfigError error { "", 0, 0, "machine.vcpus", "must be between 1 and 254, got 0" };
    CHECK(sources.locate(error));
    CHECK(error.to_string() == "vm.toml:3:9: machine.vcpus: must be between 1 and 254, got 0");
    ConfigError unset { "", 0, 0, "boot.kernel", "no kernel image given" };
    CHECK_FALSE(sources.locate(unset));
    CHECK(unset.file.empty());
}

TEST_CASE("config file: a missing file is one error naming the file and the reason")
{
    auto result = load_config_file("/nonexistent/partvm/vm.toml");
    REQUIRE_FALSE(result.has_value());
    REQUIRE(result.error().size() == 1);
    CHECK(result.error()[0].to_string()
        == "/nonexistent/partvm/vm.toml: cannot open: No such file or directory");
}

TEST_CASE("config file: a directory is rejected with the reason")
{
    TempDir dir;
    auto result = load_config_file(dir.path());
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().at(0).message == "cannot read: Is a directory");
}

TEST_CASE("config file: paths resolve against the file's own directory")
{
    TempDir dir;
    std::string file = dir.write_file("vm.toml", "[boot]\nkernel = \"bzImage\"\n");
    CHECK(load_config_file(file).value().boot.kernel == dir.file("bzImage"));
}

TEST_CASE("config file: errors name the file as the user gave it")
{
    TempDir dir;
    std::string file = dir.write_file("vm.toml", "[boot]\nkernel = \"bzImage\"\n[machinee]\n");
    auto result = load_config_file(file);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().at(0).to_string()
        == file + ":3:2: machinee: unknown table (did you mean 'machine'?)");
}

TEST_CASE("toml config: machine.shutdown_timeout is a whole number of seconds")
{
    auto config = parse_toml_config("[machine]\nshutdown_timeout = 30\n", "vm.toml");
    REQUIRE(config);
    CHECK(config.value().machine.shutdown_timeout_s == 30);
    CHECK(errors_of("[machine]\nshutdown_timeout = \"30s\"\n")
        == "vm.toml:2:20: machine.shutdown_timeout: expected an integer, got string\n");
}

TEST_CASE("toml config: vsock.socket is a path relative to the file")
{
    auto config = parse_toml_config("[vsock]\nsocket = \"vm.sock\"\n", "/vms/a/vm.toml");
    REQUIRE(config);
    CHECK(config.value().vsock.socket == "/vms/a/vm.sock");
    CHECK(errors_of("[vsock]\npath = \"x\"\n")
        == "vm.toml:2:1: vsock.path: unknown key (expected one of: socket)\n");
    CHECK(errors_of("[vsock]\nsocket = 3\n")
        == "vm.toml:2:10: vsock.socket: expected a string, got integer\n");
}

TEST_CASE("toml config: [[disk]] tables become disks in file order, paths relative to the file")
{
    auto config = parse_toml_config(R"([[disk]]
path = "root.img"
[[disk]]
path = "/dev/sdb"
read_only = true
serial = "data-1"
direct = true
)",
        "/vms/a/vm.toml");
    REQUIRE(config);
    const auto& disks = config.value().disks;
    REQUIRE(disks.size() == 2);
    CHECK(disks[0] == DiskConfig { "/vms/a/root.img", false, "", false });
    CHECK(disks[1] == DiskConfig { "/dev/sdb", true, "data-1", true });
}

TEST_CASE("toml config: a [[disk]] needs a path and knows its keys")
{
    CHECK(errors_of("[[disk]]\nread_only = true\n")
        == "vm.toml:1:1: disk[0].path: missing: each [[disk]] needs the path of its image or "
           "device\n");
    CHECK(errors_of("[[disk]]\npath = \"a\"\n[[disk]]\npath = \"b\"\nreadonly = true\n")
        == "vm.toml:5:1: disk[1].readonly: unknown key (did you mean 'read_only'?)\n");
    CHECK(errors_of("[[disk]]\npath = \"a\"\nsize = 3\n")
        == "vm.toml:3:1: disk[0].size: unknown key (expected one of: path, read_only, serial, "
           "direct)\n");
    CHECK(errors_of("[[disk]]\npath = 1\ndirect = \"yes\"\n")
        == "vm.toml:2:8: disk[0].path: expected a string, got integer\n"
           "vm.toml:3:10: disk[0].direct: expected a boolean (true or false), got string\n");
}

TEST_CASE("toml config: disk must be an array of tables")
{
    CHECK(errors_of("[disk]\npath = \"a\"\n")
        == "vm.toml:1:1: disk: expected an array of tables ([[disk]] headers), got table\n");
    CHECK(errors_of("disk = [\"a\"]\n")
        == "vm.toml:1:9: disk[0]: expected a table ([[disk]] header), got string\n");
    CHECK(errors_of("[[disks]]\npath = \"a\"\n")
        == "vm.toml:1:3: disks: unknown key (did you mean 'disk'?)\n");
}

TEST_CASE("toml config: the source map knows each disk's keys")
{
    ConfigSourceMap sources;
    REQUIRE(parse_toml_config(
        "[[disk]]\npath = \"a\"\n[[disk]]\npath = \"b\"\nserial = \"x\"\n", "vm.toml", &sources));
    ConfigError error { "", 0, 0, "disk[1].serial", "is used by disk[0] too" };
    CHECK(sources.locate(error));
    CHECK(error.line == 5);
}

TEST_CASE("toml config: every disk error has a line, even for tables the parser made up")
{
    for (const char* text : { "[disk.x]\na = 1\n", "disk.path = \"a\"\n", "disk = [{}]\n",
             "[[disk.x]]\n", "disk = [[]]\n" }) {
        auto result = parse_toml_config(text, "vm.toml");
        REQUIRE_FALSE(result.has_value());
        for (const ConfigError& error : result.error()) {
            INFO(text << " -> " << error.to_string());
            CHECK(error.line != 0);
        }
    }
}
