// SPDX-License-Identifier: Apache-2.0
// The jail's directory on the host, DIR/<exec name>/<ID> with the jail root below it, and its
// careful removal: never through a symlink and never into a mount.
#pragma once
#include "jailer/error.h"

#include <string>
#include <string_view>
#include <vector>

namespace jail {

class JailDir {
public:
    /// Creates `base`/`exec_name` as needed (0755, shared by all VMs of that binary), then
    /// `base`/`exec_name`/`id` (0700; it must not exist: another VM with this id) and its root/
    /// (0755: the VMM's uid must be able to look up names in its /).
    static Result<JailDir> create(
        const std::string& base, const std::string& exec_name, const std::string& id);

    JailDir(JailDir&& other) noexcept;
    JailDir& operator=(JailDir&&) = delete;
    /// Removes the tree if remove() has not (best effort, silent: an error path is unwinding).
    ~JailDir();

    /// Refuses if anything is still mounted at or below path() in this mount namespace; otherwise
    /// removes the whole tree with remove_tree().
    Result<void> remove();

    const std::string& path() const { return m_path; }
    std::string root() const { return m_path + "/root"; }

private:
    explicit JailDir(std::string path)
        : m_path(std::move(path))
    {
    }

    std::string m_path;
    bool m_removed { false };
};

/// Mount points at or below `path` in a /proc/self/mountinfo text (octal escapes decoded).
std::vector<std::string> mounts_under(std::string_view mountinfo, std::string_view path);

/// Removes the directory `path` and everything in it. Symlinks are unlinked, never followed; a
/// mount point (or an entry on another file system) anywhere in the tree stops the removal with
/// an error before anything below it is touched.
Result<void> remove_tree(const std::string& path);

} // namespace jail
