// SPDX-License-Identifier: Apache-2.0
// The TOML schema of parse_toml.h, spelled out one table at a time, plus reading the file.
// Each parse_* function reads every key its table may hold and then reports the ones it did not
// know; a new table ([[net]]) is one more function and one more line in parse_root().
#include "vmm/config/parse_toml.h"

#include "base/unique_fd.h"
#include "vmm/config/memory_size.h"
#include "vmm/config/toml_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

namespace vmm {
namespace {

using toml_config::Diagnostics;
using toml_config::TableReader;

constexpr size_t max_config_file_size = 1 << 20;

/// memory = "512M" (any form parse_memory_size() takes) or memory = 512 (MiB, like Firecracker's
/// mem_size_mib). A bare integer means MiB because a byte count of RAM is never what people type.
void read_memory(TableReader& table, MachineConfig& machine)
{
    const toml::node* memory = table.read_node("memory");
    if (!memory) {
        return;
    }
    if (!memory->is_string() && !memory->is_integer()) {
        table.type_error("memory", *memory, "a string like \"256M\" or an integer count of MiB");
        return;
    }
    Result<uint64_t, std::string> bytes = memory->is_string()
        ? parse_memory_size(memory->as_string()->get())
        : memory_size_from_mib(memory->as_integer()->get());
    if (!bytes) {
        table.value_error("memory", *memory, bytes.error());
        return;
    }
    machine.memory_bytes = bytes.value();
}

/// An integer key that must fit a uint32_t; validate() owns the real range, with the same message
/// (`min`..`max` only word it here).
void read_uint32(TableReader& table, const char* key, uint32_t& out, uint32_t min, uint32_t max)
{
    const toml::node* node = table.read_node(key);
    if (!node) {
        return;
    }
    const auto* value = node->as_integer();
    if (!value) {
        table.type_error(key, *node, "an integer");
        return;
    }
    if (value->get() < 0 || value->get() > std::numeric_limits<uint32_t>::max()) {
        table.value_error(
            key, *node, fmt::format("must be between {} and {}, got {}", min, max, value->get()));
        return;
    }
    out = static_cast<uint32_t>(value->get());
}

void parse_machine(TableReader& table, MachineConfig& machine)
{
    read_memory(table, machine);
    read_uint32(table, "vcpus", machine.vcpus, 1, max_vcpus);
    read_uint32(table, "shutdown_timeout", machine.shutdown_timeout_s, 0, max_shutdown_timeout_s);
    table.report_unknown_keys();
}

/// Paths in a file are relative to the file, so a VM directory can be moved as a whole.
std::string resolve_path(const std::filesystem::path& base_dir, std::string path)
{
    if (path.empty() || base_dir.empty() || std::filesystem::path(path).is_absolute()) {
        return path;
    }
    return (base_dir / path).lexically_normal().string();
}

void parse_boot(TableReader& table, BootConfig& boot, const std::filesystem::path& base_dir)
{
    if (auto kernel = table.read_string("kernel")) {
        boot.kernel = resolve_path(base_dir, std::move(*kernel));
    }
    if (auto initrd = table.read_string("initrd")) {
        boot.initrd = resolve_path(base_dir, std::move(*initrd));
    }
    if (auto cmdline = table.read_string("cmdline")) {
        boot.cmdline = std::move(*cmdline);
        boot.cmdline_set = true;
    }
    table.report_unknown_keys();
}

void parse_console(TableReader& table, ConsoleConfig& console)
{
    if (auto serial = table.read_bool("serial")) {
        console.serial = *serial;
    }
    table.report_unknown_keys();
}

void parse_vsock(TableReader& table, VsockConfig& vsock, const std::filesystem::path& base_dir)
{
    if (auto socket = table.read_string("socket")) {
        vsock.socket = resolve_path(base_dir, std::move(*socket));
    }
    table.report_unknown_keys();
}

/// One [[disk]]; a table without a path is reported here, where its line is known.
DiskConfig parse_disk(TableReader& table, const std::filesystem::path& base_dir)
{
    DiskConfig disk;
    if (const toml::node* path = table.read_node("path"); !path) {
        table.missing_key("path", "missing: each [[disk]] needs the path of its image or device");
    } else if (!path->is_string()) {
        table.type_error("path", *path, "a string");
    } else {
        disk.path = resolve_path(base_dir, path->as_string()->get());
    }
    if (auto read_only = table.read_bool("read_only")) {
        disk.read_only = *read_only;
    }
    if (auto serial = table.read_string("serial")) {
        disk.serial = std::move(*serial);
    }
    if (auto direct = table.read_bool("direct")) {
        disk.direct = *direct;
    }
    table.report_unknown_keys();
    return disk;
}

VmConfig parse_root(TableReader& root, const std::filesystem::path& base_dir)
{
    VmConfig config;
    if (auto machine = root.read_table("machine")) {
        parse_machine(*machine, config.machine);
    }
    if (auto boot = root.read_table("boot")) {
        parse_boot(*boot, config.boot, base_dir);
    }
    if (auto console = root.read_table("console")) {
        parse_console(*console, config.console);
    }
    if (auto vsock = root.read_table("vsock")) {
        parse_vsock(*vsock, config.vsock, base_dir);
    }
    for (TableReader& disk : root.read_table_array("disk", "[[disk]]")) {
        config.disks.push_back(parse_disk(disk, base_dir));
    }
    root.report_unknown_keys();
    return config;
}

ConfigError file_error(const std::string& path, std::string message)
{
    return ConfigError { path, 0, 0, "", std::move(message) };
}

} // namespace

bool ConfigSourceMap::locate(ConfigError& error) const
{
    auto it = keys.find(error.key_path);
    if (it == keys.end()) {
        return false;
    }
    error.file = file;
    error.line = it->second.line;
    error.column = it->second.column;
    return true;
}

Result<VmConfig, std::vector<ConfigError>> parse_toml_config(
    std::string_view text, std::string_view file_name, ConfigSourceMap* sources)
{
    Diagnostics diagnostics(file_name, sources);
    toml::parse_result parsed = toml::parse(text);
    if (!parsed) {
        // toml++ stops at the first syntax error, so this is the only error for the file.
        const toml::parse_error& error = parsed.error();
        diagnostics.error(error.source(), "", std::string(error.description()));
        return unexpected(diagnostics.take_errors());
    }
    TableReader root(parsed.table(), "", diagnostics);
    VmConfig config = parse_root(root, std::filesystem::path(file_name).parent_path());
    if (diagnostics.has_errors()) {
        return unexpected(diagnostics.take_errors());
    }
    return config;
}

Result<VmConfig, std::vector<ConfigError>> load_config_file(
    const std::string& path, ConfigSourceMap* sources)
{
    auto fail = [&path](std::string message) {
        return unexpected(std::vector<ConfigError> { file_error(path, std::move(message)) });
    };
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        return fail(fmt::format("cannot open: {}", std::strerror(errno)));
    }
    std::string text;
    char buffer[16384];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return fail(fmt::format("cannot read: {}", std::strerror(errno)));
        }
        if (n == 0) {
            break;
        }
        if (text.size() + static_cast<size_t>(n) > max_config_file_size) {
            return fail("file is larger than 1 MiB; is this really a partvm config?");
        }
        text.append(buffer, static_cast<size_t>(n));
    }
    return parse_toml_config(text, path, sources);
}

} // namespace vmm
