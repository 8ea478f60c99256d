// SPDX-License-Identifier: Apache-2.0
// CLI11 is confined to this file; its exceptions are caught here and become exit statuses.
#include "jailer/options.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <ostream>
#include <sys/stat.h>
#include <unistd.h>

namespace jail {
namespace {

constexpr const char* prefix = "partvm-jailer: ";

/// The raw strings CLI11 fills in; checked by validate().
struct RawFlags {
    std::string id;
    std::string exec_file;
    std::string uid;
    std::string gid;
    std::vector<std::string> cgroups;
    std::string netns;
    bool daemonize { false };
    std::string chroot_base { default_chroot_base };
    std::string cgroup_parent { default_cgroup_parent };
    std::vector<std::string> files;
    std::vector<std::string> rw_files;
    std::vector<std::string> dirs;
    std::vector<std::string> rlimits;
};

void add_flags(CLI::App& app, RawFlags& raw)
{
    app.add_option(
           "--id", raw.id, "VM id, [A-Za-z0-9_-]{1,64}: names the jail, cgroup and hostname")
        ->required();
    app.add_option("--exec-file", raw.exec_file, "The (static) VMM binary to run in the jail")
        ->required();
    app.add_option("--uid", raw.uid, "Numeric uid the VMM runs as (not 0)")->required();
    app.add_option("--gid", raw.gid, "Numeric gid the VMM runs as (not 0)")->required();
    app.add_option("--cgroup", raw.cgroups,
           "KEY=VALUE written to the VM's cgroup v2 leaf (memory.max=300M)")
        ->allow_extra_args(false);
    app.add_option("--netns", raw.netns, "Join this network namespace (default: a new, empty one)");
    app.add_flag(
        "--daemonize", raw.daemonize, "Detach once the jail is up; clean up in the background");
    app.add_option("--chroot-base", raw.chroot_base, "Jail root = DIR/<exec name>/<ID>/root")
        ->capture_default_str();
    app.add_option("--cgroup-parent", raw.cgroup_parent, "Cgroup leaf = /sys/fs/cgroup/NAME/<ID>")
        ->capture_default_str();
    app.add_option("--file", raw.files, "HOST_PATH[:JAIL_PATH]: read-only bind mount of a file")
        ->allow_extra_args(false);
    app.add_option("--file-rw", raw.rw_files,
           "HOST_PATH[:JAIL_PATH]: read-write bind mount of a file or block device (a disk the "
           "VMM writes; it must be writable by --uid)")
        ->allow_extra_args(false);
    app.add_option("--dir", raw.dirs, "HOST_PATH[:JAIL_PATH]: read-write bind mount of a directory")
        ->allow_extra_args(false);
    app.add_option("--rlimit", raw.rlimits,
           "NAME=VALUE (nofile, fsize, nproc...; defaults nofile=4096, core=0)")
        ->allow_extra_args(false);
    app.footer(
        "After '--': the exec file's arguments (its argv[0] is /<exec name>).\n"
        "Exit status: the VMM's own, 128+N if signal N killed it, 1 if the jailer failed, 2 for "
        "bad flags.");
}

bool valid_cgroup_parent(std::string_view name)
{
    const std::string absolute = "/" + std::string(name);
    return !name.empty() && name.front() != '/' && normal_absolute_path(absolute)
        && std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                   || c == '_' || c == '-' || c == '.' || c == '/';
           });
}

/// One place in the jail: its path and who asked for it, for overlap messages.
struct JailPlace {
    std::string path;
    std::string owner;
};

/// Mount points may not nest: a --file inside a --dir would be created in the host directory.
void check_overlaps(const std::vector<JailPlace>& places, std::vector<std::string>& errors)
{
    for (size_t i = 0; i < places.size(); ++i) {
        for (size_t j = i + 1; j < places.size(); ++j) {
            const JailPlace& a = places[i];
            const JailPlace& b = places[j];
            if (path_contains(a.path, b.path) || path_contains(b.path, a.path)) {
                errors.push_back(b.owner + ": " + b.path + " in the jail collides with " + a.path
                    + " (" + a.owner + ")");
            }
        }
    }
}

void add_rlimit(std::vector<RlimitSetting>& rlimits, RlimitSetting setting)
{
    std::erase_if(rlimits, [&](const RlimitSetting& r) { return r.resource == setting.resource; });
    rlimits.push_back(std::move(setting));
}

template<class T>
void collect(Result<T> result, std::vector<T>& into, std::vector<std::string>& errors)
{
    if (result) {
        into.push_back(std::move(result).value());
    } else {
        errors.push_back(result.error().message);
    }
}

/// --file and --dir, then the overlap check over every mount point of the jail.
void parse_mounts(const RawFlags& raw, Options& options, std::vector<std::string>& errors)
{
    for (const std::string& text : raw.files) {
        collect(parse_mount_spec("--file", text), options.files, errors);
    }
    for (const std::string& text : raw.rw_files) {
        collect(parse_mount_spec("--file-rw", text), options.rw_files, errors);
    }
    for (const std::string& text : raw.dirs) {
        collect(parse_mount_spec("--dir", text), options.dirs, errors);
    }
    if (!errors.empty()) {
        return; // The places below pair options.files[i] with raw.files[i]: all must have parsed.
    }
    std::vector<JailPlace> places = { { "/dev", "the jail's device directory" },
        { "/" + options.exec_name, "--exec-file " + raw.exec_file } };
    for (size_t i = 0; i < options.files.size(); ++i) {
        places.push_back({ options.files[i].jail, "--file " + raw.files[i] });
    }
    for (size_t i = 0; i < options.rw_files.size(); ++i) {
        places.push_back({ options.rw_files[i].jail, "--file-rw " + raw.rw_files[i] });
    }
    for (size_t i = 0; i < options.dirs.size(); ++i) {
        places.push_back({ options.dirs[i].jail, "--dir " + raw.dirs[i] });
    }
    check_overlaps(places, errors);
}

/// The defaults, then each --rlimit replacing the one for its resource.
void parse_rlimits(const RawFlags& raw, Options& options, std::vector<std::string>& errors)
{
    // Never dump guest memory; a VMM needs a few hundred fds at most.
    options.rlimits = { *parse_rlimit("nofile=4096"), *parse_rlimit("core=0") };
    for (const std::string& text : raw.rlimits) {
        auto setting = parse_rlimit(text);
        if (setting) {
            add_rlimit(options.rlimits, std::move(setting).value());
        } else {
            errors.push_back(setting.error().message);
        }
    }
}

std::vector<std::string> validate(const RawFlags& raw, Options& options)
{
    std::vector<std::string> errors;
    options.id = raw.id;
    if (!valid_vm_id(raw.id)) {
        errors.push_back("--id " + raw.id + ": must be 1 to 64 letters, digits, '_' or '-'");
    }
    for (auto [option, text, field] : { std::tuple { "--uid", &raw.uid, &options.uid },
             std::tuple { "--gid", &raw.gid, &options.gid } }) {
        auto number = parse_id_number(option, *text);
        if (number) {
            *field = *number;
        } else {
            errors.push_back(number.error().message);
        }
    }
    options.exec_file = raw.exec_file;
    options.exec_name = base_name(raw.exec_file);
    const std::string& exec_name = options.exec_name;
    if (exec_name.empty() || exec_name == "." || exec_name == ".." || exec_name == "dev") {
        errors.push_back(
            "--exec-file " + raw.exec_file + ": needs a file name other than '.', '..' or 'dev'");
    }
    for (const std::string& text : raw.cgroups) {
        collect(parse_cgroup_setting(text), options.cgroup_settings, errors);
    }
    for (size_t i = 0; i < options.cgroup_settings.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
            if (options.cgroup_settings[i].key == options.cgroup_settings[j].key) {
                errors.push_back("--cgroup " + options.cgroup_settings[i].key + " is given twice");
            }
        }
    }
    options.netns = raw.netns;
    if (!raw.netns.empty() && raw.netns.front() != '/') {
        errors.push_back(
            "--netns " + raw.netns + ": must be an absolute path (such as /var/run/netns/NAME)");
    }
    options.daemonize = raw.daemonize;
    options.chroot_base = raw.chroot_base;
    // Whole trees below it are deleted at the end: no relative or dotted paths.
    if (!normal_absolute_path(raw.chroot_base)) {
        errors.push_back("--chroot-base " + raw.chroot_base
            + ": must be an absolute directory path without '.', '..', '//' or a trailing '/', and "
              "not /");
    }
    options.cgroup_parent = raw.cgroup_parent;
    if (!valid_cgroup_parent(raw.cgroup_parent)) {
        errors.push_back("--cgroup-parent " + raw.cgroup_parent
            + ": must be a relative cgroup path of letters, digits, '_', '-', '.' and '/' (such as "
              "partvm)");
    }
    parse_mounts(raw, options, errors);
    parse_rlimits(raw, options, errors);
    return errors;
}

/// "what: strerror" for a failed stat/realpath of `path`.
std::string path_error(const std::string& option, const std::string& path, int error)
{
    return option + " " + path + ": " + std::strerror(error);
}

/// realpath(), or an error message naming the option.
std::optional<std::string> absolute(
    const std::string& option, const std::string& path, std::string& message)
{
    char resolved[PATH_MAX];
    if (!::realpath(path.c_str(), resolved)) {
        message = path_error(option, path, errno);
        return std::nullopt;
    }
    return std::string(resolved);
}

} // namespace

std::string Options::cgroup_value(std::string_view key) const
{
    for (const CgroupSetting& setting : cgroup_settings) {
        if (setting.key == key) {
            return setting.value;
        }
    }
    return {};
}

std::variant<int, Options> parse_options(
    int argc, const char* const* argv, std::ostream& out, std::ostream& err)
{
    // Everything after the first "--" belongs to the exec file; CLI11 sees only what is before.
    int flag_count = argc;
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--") {
            flag_count = i;
            break;
        }
    }
    CLI::App app("partvm-jailer starts one VMM process in a jail (namespaces, cgroup v2 leaf, "
                 "pivot_root, no privileges), waits for it and removes the jail.",
        "partvm-jailer");
    RawFlags raw;
    try {
        add_flags(app, raw);
        app.parse(flag_count, argv);
    } catch (const CLI::ParseError& error) {
        if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
            return app.exit(error, out, err); // --help
        }
        err << prefix << error.what() << '\n';
        return exit_usage;
    } catch (const CLI::Error& error) {
        err << prefix << "internal error in the flag definitions: " << error.what() << '\n';
        return exit_failure;
    }

    Options options;
    const std::vector<std::string> errors = validate(raw, options);
    for (const std::string& error : errors) {
        err << prefix << error << '\n';
    }
    if (!errors.empty()) {
        return exit_usage;
    }
    for (int i = flag_count + 1; i < argc; ++i) {
        options.args.emplace_back(argv[i]);
    }
    return options;
}

std::vector<std::string> resolve_host_paths(Options& options)
{
    std::vector<std::string> errors;
    std::string message;
    struct stat st { };
    if (auto path = absolute("--exec-file", options.exec_file, message)) {
        if (::stat(path->c_str(), &st) < 0) {
            errors.push_back(path_error("--exec-file", options.exec_file, errno));
        } else if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) {
            errors.push_back(
                "--exec-file " + options.exec_file + ": not an executable regular file");
        } else {
            options.exec_file = *path;
        }
    } else {
        errors.push_back(message);
    }
    for (auto [option, specs, want_dir] : { std::tuple { "--file", &options.files, false },
             std::tuple { "--file-rw", &options.rw_files, false },
             std::tuple { "--dir", &options.dirs, true } }) {
        for (MountSpec& spec : *specs) {
            auto path = absolute(option, spec.host, message);
            if (!path) {
                errors.push_back(message);
            } else if (::stat(path->c_str(), &st) < 0) {
                errors.push_back(path_error(option, spec.host, errno));
            } else if (S_ISDIR(st.st_mode) != want_dir) {
                errors.push_back(std::string(option) + " " + spec.host
                    + (want_dir ? ": not a directory" : ": is a directory (use --dir)"));
            } else {
                spec.host = *path;
            }
        }
    }
    if (!options.netns.empty() && ::stat(options.netns.c_str(), &st) < 0) {
        errors.push_back(path_error("--netns", options.netns, errno));
    }
    return errors;
}

} // namespace jail
