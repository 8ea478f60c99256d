// SPDX-License-Identifier: Apache-2.0
#include "jailer/jail_dir.h"

#include "base/unique_fd.h"
#include "jailer/file_util.h"
#include "jailer/specs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace jail {
namespace {

/// Jail trees are a few levels deep; anything deeper is not ours.
constexpr int max_depth = 32;

/// mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo.
std::string unescape(std::string_view field)
{
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            const auto digit = [&](size_t k) { return field[i + k] >= '0' && field[i + k] <= '7'; };
            if (digit(1) && digit(2) && digit(3)) {
                out += static_cast<char>(
                    (field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
                i += 3;
                continue;
            }
        }
        out += field[i];
    }
    return out;
}

/// Whether `fd` (a directory, or an entry `name` in it) is the root of a mount.
Result<bool> is_mount_root(int fd, const char* name, const std::string& shown)
{
    struct statx stx { };
    const int flags = AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH);
    if (::statx(fd, name, flags, STATX_TYPE, &stx) < 0) {
        return JailError::from_errno("cannot stat " + shown);
    }
    return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
        && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

Result<void> remove_contents(int dir_fd, const std::string& shown, dev_t device, int depth)
{
    if (depth > max_depth) {
        return JailError::failure(
            "refusing to remove " + shown + ": the tree is deeper than a jail's");
    }
    // readdir needs its own fd: closedir() closes it.
    const int listing_fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* listing = listing_fd >= 0 ? ::fdopendir(listing_fd) : nullptr;
    if (!listing) {
        if (listing_fd >= 0) {
            ::close(listing_fd);
        }
        return JailError::from_errno("cannot list " + shown);
    }
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(listing)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") {
            names.emplace_back(name);
        }
    }
    ::closedir(listing);

    for (const std::string& name : names) {
        const std::string entry_shown = shown + "/" + name;
        struct stat st { };
        if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
            return JailError::from_errno("cannot stat " + entry_shown);
        }
        if (st.st_dev != device || TRY(is_mount_root(dir_fd, name.c_str(), entry_shown))) {
            return JailError::failure(
                "refusing to remove " + entry_shown + ": it is a mount point");
        }
        if (S_ISDIR(st.st_mode)) {
            // O_NOFOLLOW: if the entry became a symlink since fstatat, open fails instead of
            // following.
            vmm::UniqueFd sub(
                ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub.valid()) {
                return JailError::from_errno("cannot open " + entry_shown);
            }
            TRY(remove_contents(sub.get(), entry_shown, device, depth + 1));
        }
        if (::unlinkat(dir_fd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0) {
            return JailError::from_errno("cannot remove " + entry_shown);
        }
    }
    return {};
}

} // namespace

std::vector<std::string> mounts_under(std::string_view mountinfo, std::string_view path)
{
    std::vector<std::string> found;
    size_t start = 0;
    while (start < mountinfo.size()) {
        const size_t end = std::min(mountinfo.find('\n', start), mountinfo.size());
        const std::string_view line = mountinfo.substr(start, end - start);
        start = end + 1;
        // "36 35 98:0 /mnt1 /mnt2 rw,noatime ...": the fifth field is the mount point.
        size_t field_start = 0;
        for (int field = 0; field < 4 && field_start != std::string_view::npos; ++field) {
            field_start = line.find(' ', field_start);
            field_start = field_start == std::string_view::npos ? field_start : field_start + 1;
        }
        if (field_start == std::string_view::npos) {
            continue;
        }
        const std::string mount_point
            = unescape(line.substr(field_start, line.find(' ', field_start) - field_start));
        if (path_contains(path, mount_point)) {
            found.push_back(mount_point);
        }
    }
    return found;
}

Result<void> remove_tree(const std::string& path)
{
    vmm::UniqueFd top(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!top.valid()) {
        if (errno == ENOENT) {
            return {};
        }
        return JailError::from_errno("cannot open " + path);
    }
    struct stat st { };
    if (::fstat(top.get(), &st) < 0) {
        return JailError::from_errno("cannot stat " + path);
    }
    if (TRY(is_mount_root(top.get(), "", path))) {
        return JailError::failure("refusing to remove " + path + ": it is a mount point");
    }
    TRY(remove_contents(top.get(), path, st.st_dev, 0));
    top.reset();
    if (::rmdir(path.c_str()) < 0) {
        return JailError::from_errno("cannot remove " + path);
    }
    return {};
}

Result<JailDir> JailDir::create(
    const std::string& base, const std::string& exec_name, const std::string& id)
{
    // mkdir -p of the shared part; the rest is ours alone.
    std::string dir;
    const std::string shared = base + "/" + exec_name;
    size_t start = 1;
    while (start <= shared.size()) {
        const size_t end = std::min(shared.find('/', start), shared.size());
        dir = shared.substr(0, end);
        start = end + 1;
        if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) {
            return JailError::from_errno("cannot create " + dir);
        }
    }
    const std::string path = shared + "/" + id;
    if (::mkdir(path.c_str(), 0700) < 0) {
        if (errno == EEXIST) {
            return JailError::failure("jail directory " + path
                + " already exists: another VM with id " + id
                + " is running (or a killed jailer left it behind: remove it)");
        }
        return JailError::from_errno("cannot create " + path);
    }
    JailDir jail(path);
    if (::mkdir(jail.root().c_str(), 0755) < 0 || ::chmod(jail.root().c_str(), 0755) < 0) {
        return JailError::from_errno("cannot create " + jail.root());
    }
    return jail;
}

JailDir::JailDir(JailDir&& other) noexcept
    : m_path(std::move(other.m_path))
    , m_removed(std::exchange(other.m_removed, true))
{
}

JailDir::~JailDir()
{
    if (!m_removed) {
        (void)remove();
    }
}

Result<void> JailDir::remove()
{
    m_removed = true;
    const std::vector<std::string> mounted
        = mounts_under(TRY(read_file("/proc/self/mountinfo")), m_path);
    if (!mounted.empty()) {
        return JailError::failure(
            "not removing " + m_path + ": " + mounted.front() + " is still mounted");
    }
    return remove_tree(m_path);
}

} // namespace jail
