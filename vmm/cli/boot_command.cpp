// SPDX-License-Identifier: Apache-2.0
// `partvm boot`: a VmConfig from an optional --config file with the flags applied on top, then
// validate(). Every error (file, flags, validation) is printed before exiting with status 2.
#include "vmm/cli/subcommand.h"

#include "vmm/config/disk_flag.h"
#include "vmm/config/memory_size.h"
#include "vmm/config/parse_toml.h"
#include "vmm/config/validate.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace vmm::cli {
namespace {

/// A flag that overrides one config key. Errors about the key name the flag when it was given.
struct KeyFlag {
    std::string_view key_path;
    std::string_view flag;
    CLI::Option* option { nullptr };

    bool given() const { return option && option->count() > 0; }
};

ConfigError flag_error(std::string_view flag, std::string message)
{
    return ConfigError { "", 0, 0, std::string(flag), std::move(message) };
}

/// A whole-number flag that must fit a uint32_t; validate() checks the range [min, max] (the
/// message here matches its).
bool parse_uint32_flag(std::string_view flag, const std::string& text, uint32_t min, uint32_t max,
    uint32_t& out, std::vector<ConfigError>& errors)
{
    uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec == std::errc::invalid_argument || ptr != end) {
        errors.push_back(flag_error(flag, fmt::format("expected a whole number, got '{}'", text)));
        return false;
    }
    if (ec == std::errc::result_out_of_range || value > std::numeric_limits<uint32_t>::max()) {
        errors.push_back(
            flag_error(flag, fmt::format("must be between {} and {}, got {}", min, max, text)));
        return false;
    }
    out = static_cast<uint32_t>(value);
    return true;
}

/// parse_uint32_flag() plus the range check, for flags validate() does not see (run's own).
void parse_bounded_flag(std::string_view flag, const std::string& text, uint32_t min, uint32_t max,
    uint32_t& out, std::vector<ConfigError>& errors)
{
    uint32_t value = 0;
    if (!parse_uint32_flag(flag, text, min, max, value, errors)) {
        return;
    }
    if (value < min || value > max) {
        errors.push_back(
            flag_error(flag, fmt::format("must be between {} and {}, got {}", min, max, text)));
        return;
    }
    out = value;
}

LogLevel log_level_from(std::string_view name)
{
    for (int level = 0; level < int(std::size(log_level_names)); ++level) {
        if (name == log_level_names[level]) {
            return static_cast<LogLevel>(level);
        }
    }
    return LogLevel::Warn; // CLI11 has already checked the name.
}

/// `partvm boot`, or in run mode `partvm run`, which shares every VM flag.
class BootCommand final : public Subcommand {
public:
    explicit BootCommand(bool run_mode)
        : m_run_mode(run_mode)
    {
    }
    CLI::App* add_to(CLI::App& app) override;
    CliOutcome finish(std::ostream& err) override;

private:
    void add_run_flags(CLI::App& run);
    /// The kernel and rootfs `partvm run` uses when not told: $PARTVM_KERNEL and $PARTVM_ROOTFS,
    /// else images/ beside the partvm binary (`cmake --build build --target partvm-images`).
    void apply_run_defaults(VmConfig& config, std::vector<ConfigError>& errors) const;
    RunRequest run_request(VmConfig config, std::vector<ConfigError>& errors) const;

    enum Key { Kernel, Initrd, Cmdline, Memory, Vcpus, ShutdownTimeout, Serial, Vsock, KeyCount };

    void apply_flags(VmConfig& config, std::vector<ConfigError>& errors) const;
    /// Appends each --disk after the file's [[disk]] tables.
    void apply_disk_flags(VmConfig& config, std::vector<ConfigError>& errors);
    void attribute(ConfigError& error, const ConfigSourceMap& sources) const;
    /// The --disk that made a "disk[N]..." key path, if a flag made that disk.
    const std::string* disk_flag_for(std::string_view key_path) const;

    std::array<KeyFlag, KeyCount> m_flags { {
        { "boot.kernel", "--kernel", nullptr },
        { "boot.initrd", "--initrd", nullptr },
        { "boot.cmdline", "--cmdline", nullptr },
        { "machine.memory", "--memory", nullptr },
        { "machine.vcpus", "--vcpus", nullptr },
        { "machine.shutdown_timeout", "--shutdown-timeout", nullptr },
        { "console.serial", "--serial", nullptr },
        { "vsock.socket", "--vsock", nullptr },
    } };
    CLI::Option* m_config_option { nullptr };
    std::string m_config_path;
    std::string m_kernel;
    std::string m_initrd;
    std::string m_cmdline;
    std::string m_memory;
    std::string m_vcpus; // Parsed here, not by CLI11, for messages that match the TOML ones.
    std::string m_shutdown_timeout;
    std::string m_vsock;
    std::vector<std::string> m_disks; // Each --disk as given.
    size_t m_file_disk_count { 0 }; // disks[0..this) came from the file, the rest from --disk.
    CLI::Option* m_no_serial_option { nullptr };
    std::string m_log_level { "warn" };
    bool m_no_seccomp { false };
    std::string m_forbidden_syscall_test;
    bool m_no_jail { false };
    std::string m_stats_path;
    Fencing fencing() const;

    bool m_run_mode;
    std::vector<std::string> m_command;
    std::vector<std::string> m_env;
    std::string m_workdir;
    std::string m_user;
    std::string m_timeout;
    std::string m_agent_timeout;
    bool m_interactive { false };
    bool m_tty { false };
};

void BootCommand::add_run_flags(CLI::App& run)
{
    run.add_option("--timeout", m_timeout,
           "Kill the command after this many seconds and exit 124 (default: no limit)")
        ->type_name("SECONDS");
    run.add_option("-e,--env", m_env, "Set an environment variable for the command (repeatable)")
        ->type_name("NAME=VALUE");
    run.add_option("-w,--workdir", m_workdir, "Working directory in the guest (default /)")
        ->type_name("DIR");
    run.add_option("-u,--user", m_user, "Run as this user: name, uid, name:group or uid:gid")
        ->type_name("USER");
    run.add_flag("-i,--interactive", m_interactive, "Pass partvm's stdin to the command");
    run.add_flag(
        "-t,--tty", m_tty, "Run the command on a terminal (with -i: an interactive shell)");
    run.add_option("--agent-timeout", m_agent_timeout,
           "Seconds to wait for the guest agent to connect (default 60)")
        ->type_name("SECONDS");
    run.add_option("command", m_command, "The command and its arguments, after --")
        ->required()
        ->type_name("CMD ARGS...");
}

void BootCommand::apply_run_defaults(VmConfig& config, std::vector<ConfigError>& errors) const
{
    std::filesystem::path images;
    std::error_code ignored;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ignored);
    if (!self.empty()) {
        images = self.parent_path() / "images";
    }
    const struct {
        std::string& path;
        const char* variable;
        const char* file;
        const char* flag;
    } defaults[] = {
        { config.boot.kernel, "PARTVM_KERNEL", "kernel", "--kernel" },
        { config.boot.initrd, "PARTVM_ROOTFS", "initrd.img", "--rootfs" },
    };
    for (const auto& item : defaults) {
        if (!item.path.empty()) {
            continue;
        }
        if (const char* value = std::getenv(item.variable); value && *value) {
            item.path = value;
            continue;
        }
        const auto candidate = images / item.file;
        if (!images.empty() && std::filesystem::exists(candidate, ignored)) {
            item.path = candidate.string();
            continue;
        }
        errors.push_back(flag_error(item.flag,
            fmt::format("no default at {} (build it: cmake --build build --target "
                        "partvm-images), and ${} is unset",
                candidate.string(), item.variable)));
    }
}

RunRequest BootCommand::run_request(VmConfig config, std::vector<ConfigError>& errors) const
{
    RunRequest request;
    request.log_level = log_level_from(m_log_level);
    request.command = m_command;
    request.workdir = m_workdir;
    request.user = m_user;
    request.stdin_open = m_interactive;
    request.tty = m_tty;
    if (!config.vsock.socket.empty()) {
        errors.push_back({ "", 0, 0, "vsock.socket",
            "partvm run connects to its guest itself; --vsock is for partvm boot" });
    }
    for (const std::string& assignment : m_env) {
        const size_t equals = assignment.find('=');
        if (equals == 0 || equals == std::string::npos) {
            errors.push_back(
                flag_error("--env", fmt::format("expected NAME=VALUE, got '{}'", assignment)));
        }
    }
    request.env = m_env;
    if (!m_timeout.empty()) {
        parse_bounded_flag("--timeout", m_timeout, 1, 4'000'000, request.timeout_s, errors);
    }
    if (!m_agent_timeout.empty()) {
        parse_bounded_flag(
            "--agent-timeout", m_agent_timeout, 1, 3600, request.agent_timeout_s, errors);
    }
    request.config = std::move(config);
    return request;
}

CLI::App* BootCommand::add_to(CLI::App& app)
{
    CLI::App* boot = m_run_mode
        ? app.add_subcommand("run", "Run a command in a fresh microVM and exit with its status")
        : app.add_subcommand("boot", "Boot a Linux kernel in a new microVM");
    m_config_option = boot->add_option("--config", m_config_path,
                              "TOML config file; the flags below override its values")
                          ->type_name("FILE");
    m_flags[Kernel].option
        = boot->add_option("--kernel", m_kernel, "Kernel image: a bzImage or an ELF vmlinux")
              ->type_name("FILE");
    if (m_run_mode) {
        m_flags[Initrd].flag = "--rootfs";
        m_flags[Initrd].option = boot->add_option("--rootfs", m_initrd,
                                         "Root filesystem: an initramfs whose /init is "
                                         "partvm-agent (default: images/initrd.img)")
                                     ->type_name("FILE");
        add_run_flags(*boot);
    } else {
        m_flags[Initrd].option
            = boot->add_option("--initrd", m_initrd, "Initial ramdisk")->type_name("FILE");
    }
    m_flags[Cmdline].option
        = boot->add_option("--cmdline", m_cmdline, "Kernel command line")->type_name("TEXT");
    m_flags[Memory].option = boot->add_option("--memory", m_memory,
                                     "Guest RAM: 256M, 1G, 512MiB...; a bare number is MiB, B "
                                     "counts bytes (default 256M)")
                                 ->type_name("SIZE");
    m_flags[Vcpus].option
        = boot->add_option("--vcpus", m_vcpus, "Number of vCPUs, 1-254 (default 2)")
              ->type_name("N");
    m_flags[ShutdownTimeout].option
        = boot->add_option("--shutdown-timeout", m_shutdown_timeout,
                  "Seconds SIGTERM/SIGINT wait for the guest to shut down cleanly before a hard "
                  "stop; 0 stops at once (default 10)")
              ->type_name("SECONDS");
    // A const string: CLI11 binds a non-const argument as the flag's result variable.
    const std::string serial_help = "Attach a serial console (COM1) to stdout";
    const std::string no_serial_help = "No serial console, whatever --config says";
    m_flags[Serial].option = boot->add_flag("--serial", serial_help);
    m_no_serial_option = boot->add_flag("--no-serial", no_serial_help);
    m_flags[Vsock].option
        = boot->add_option("--vsock", m_vsock,
                  "Unix socket for AF_VSOCK: host programs connect and send \"CONNECT <port>\\n\"; "
                  "guest connects to port P go to PATH_P")
              ->type_name("PATH");
    boot->add_option("--disk", m_disks,
            "A disk image or block device for the guest, as the next SCSI LUN after the config "
            "file's [[disk]] tables (repeatable). ro: read-only; serial=S: the disk's serial "
            "(default partvm-disk-<index>); direct: O_DIRECT. Write a ',' or '\\' in PATH or S "
            "as '\\,' or '\\\\' (docs/disks.md)")
        ->type_name("PATH[,ro][,serial=S][,direct]")
        ->allow_extra_args(false);
    boot->add_option("--log-level", m_log_level,
            "Log verbosity: error, warn (default), info, debug, or trace (adds the VMBus "
            "conversation)")
        ->check(CLI::IsMember({ "error", "warn", "info", "debug", "trace" }))
        ->type_name("LEVEL");
    boot->add_flag("--no-seccomp", m_no_seccomp,
        "Debugging only: run the VMM's threads without their seccomp filters");
    // Tests only, hence no group (hidden from --help): proves each filter kills.
    boot->add_option("--test-forbidden-syscall", m_forbidden_syscall_test)
        ->check(CLI::IsMember({ "vcpu", "io", "control" }))
        ->group("");
    if (!m_run_mode) {
        boot->add_option("--stats", m_stats_path,
                "Write the time to the first KVM_RUN and KVM's exit counts (JSON) here at exit")
            ->type_name("FILE");
    }
    if (m_run_mode) {
        boot->add_flag("--no-jail", m_no_jail,
            "As root, run the VMM without partvm-jailer (its own namespaces, chroot, cgroup and "
            "an unprivileged user)");
    }
    return boot;
}

Fencing BootCommand::fencing() const
{
    Fencing fencing;
    fencing.seccomp = !m_no_seccomp;
    fencing.forbidden_syscall_test = thread_kind_from(m_forbidden_syscall_test);
    return fencing;
}

void BootCommand::apply_flags(VmConfig& config, std::vector<ConfigError>& errors) const
{
    if (m_flags[Kernel].given()) {
        config.boot.kernel = m_kernel;
    }
    if (m_flags[Initrd].given()) {
        config.boot.initrd = m_initrd;
    }
    if (m_flags[Cmdline].given()) {
        config.boot.cmdline = m_cmdline;
        config.boot.cmdline_set = true;
    }
    if (m_flags[Memory].given()) {
        if (auto bytes = parse_memory_size(m_memory)) {
            config.machine.memory_bytes = bytes.value();
        } else {
            errors.push_back(flag_error("--memory", bytes.error()));
        }
    }
    if (m_flags[Vcpus].given()) {
        parse_uint32_flag("--vcpus", m_vcpus, 1, max_vcpus, config.machine.vcpus, errors);
    }
    if (m_flags[ShutdownTimeout].given()) {
        parse_uint32_flag("--shutdown-timeout", m_shutdown_timeout, 0, max_shutdown_timeout_s,
            config.machine.shutdown_timeout_s, errors);
    }
    if (m_flags[Vsock].given()) {
        config.vsock.socket = m_vsock;
    }
    bool no_serial = m_no_serial_option->count() > 0;
    if (m_flags[Serial].given() && no_serial) {
        errors.push_back(flag_error("--no-serial", "contradicts --serial"));
    } else if (m_flags[Serial].given() || no_serial) {
        config.console.serial = !no_serial;
    }
}

void BootCommand::apply_disk_flags(VmConfig& config, std::vector<ConfigError>& errors)
{
    m_file_disk_count = config.disks.size();
    for (const std::string& text : m_disks) {
        auto disk = parse_disk_flag(text);
        if (disk) {
            config.disks.push_back(std::move(disk).value());
        } else {
            errors.push_back(flag_error(fmt::format("--disk {}", text), disk.error()));
        }
    }
}

const std::string* BootCommand::disk_flag_for(std::string_view key_path) const
{
    size_t index = 0;
    constexpr std::string_view prefix = "disk[";
    if (!key_path.starts_with(prefix)) {
        return nullptr;
    }
    const char* digits = key_path.data() + prefix.size();
    auto [end, ec] = std::from_chars(digits, key_path.data() + key_path.size(), index);
    if (ec != std::errc() || end == digits || index < m_file_disk_count
        || index - m_file_disk_count >= m_disks.size()) {
        return nullptr;
    }
    return &m_disks[index - m_file_disk_count];
}

/// Points a validate() error at what the user typed: the flag if one set the key, else the
/// key's line in the config file, else the file as a whole (the key is missing from it).
void BootCommand::attribute(ConfigError& error, const ConfigSourceMap& sources) const
{
    if (const std::string* disk = disk_flag_for(error.key_path)) {
        error.key_path = fmt::format("--disk {}", *disk);
        return;
    }
    bool have_file = m_config_option->count() > 0;
    for (const KeyFlag& flag : m_flags) {
        if (flag.key_path == error.key_path && (flag.given() || !have_file)) {
            error.key_path = flag.flag;
            return;
        }
    }
    if (!sources.locate(error) && have_file) {
        error.file = m_config_path;
    }
}

CliOutcome BootCommand::finish(std::ostream& err)
{
    VmConfig config;
    ConfigSourceMap sources;
    std::vector<ConfigError> errors;
    bool file_ok = true;
    if (m_config_option->count() > 0) {
        auto loaded = load_config_file(m_config_path, &sources);
        if (loaded) {
            config = std::move(loaded).value();
        } else {
            errors = std::move(loaded).error();
            file_ok = false;
        }
    }
    apply_flags(config, errors);
    apply_disk_flags(config, errors);
    if (m_run_mode) {
        apply_run_defaults(config, errors);
    }
    // A file that did not parse leaves defaults behind; validating those would only add noise.
    if (file_ok) {
        for (ConfigError& error : validate(config)) {
            attribute(error, sources);
            errors.push_back(std::move(error));
        }
    }
    if (m_run_mode) {
        RunRequest request = run_request(std::move(config), errors);
        request.fencing = fencing();
        request.jail = !m_no_jail;
        if (!errors.empty()) {
            print_errors(err, errors);
            return { exit_usage_error };
        }
        return { std::move(request) };
    }
    if (!errors.empty()) {
        print_errors(err, errors);
        return { exit_usage_error };
    }
    return { BootRequest {
        std::move(config), log_level_from(m_log_level), fencing(), m_stats_path } };
}

} // namespace

std::unique_ptr<Subcommand> make_boot_command()
{
    return std::make_unique<BootCommand>(false);
}

std::unique_ptr<Subcommand> make_run_command()
{
    return std::make_unique<BootCommand>(true);
}

} // namespace vmm::cli
