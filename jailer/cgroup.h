// SPDX-License-Identifier: Apache-2.0
// The VM's cgroup v2 leaf, /sys/fs/cgroup/<parent>/<ID>: created with the cpu, memory and pids
// controllers enabled above it, limited by the --cgroup settings, read for memory.events when the
// VMM has ended, and removed.
#pragma once
#include "base/unique_fd.h"
#include "jailer/error.h"
#include "jailer/specs.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jail {

/// Fails unless /sys/fs/cgroup is a cgroup v2 mount offering every controller of
/// vmm::host::jail_controllers; the message names the layout found and what --no-jail gives up.
Result<void> check_cgroup2();

/// The counters of memory.events this jailer reports on (see cgroup-v2.rst).
struct MemoryEvents {
    uint64_t max { 0 }; ///< Times usage hit memory.max.
    uint64_t oom { 0 };
    uint64_t oom_kill { 0 }; ///< Processes the OOM killer killed in the cgroup.
};
/// Parses "key value" lines; unknown keys and malformed lines are skipped.
MemoryEvents parse_memory_events(std::string_view text);

class CgroupLeaf {
public:
    /// Creates <cgroup_root>/<parent>/<id> after enabling the controllers in every
    /// cgroup.subtree_control from the root down (creating missing parents). Fails if the leaf
    /// already exists: another VM with this id.
    static Result<CgroupLeaf> create(const std::string& parent, const std::string& id);

    CgroupLeaf(CgroupLeaf&&) noexcept = default;
    CgroupLeaf& operator=(CgroupLeaf&&) = delete;
    /// Removes the leaf if remove() has not (best effort, silent: an error path is unwinding).
    ~CgroupLeaf();

    /// Writes one --cgroup setting. A missing file or a value the kernel rejects is the user's
    /// input (exit 2); the message names key, value and the errno text.
    Result<void> apply(const CgroupSetting& setting);
    /// cgroup.procs for writing: the child writes "0" to it to join the leaf.
    Result<vmm::UniqueFd> open_procs() const;
    /// A file of the leaf, whole ("memory.events").
    Result<std::string> read(const char* file) const;
    /// rmdir, retried for a while on EBUSY: the last exiting task may not have left yet.
    Result<void> remove();

    const std::string& path() const { return m_path; }

private:
    CgroupLeaf(std::string path, vmm::UniqueFd dir)
        : m_path(std::move(path))
        , m_dir(std::move(dir))
    {
    }

    std::string m_path;
    vmm::UniqueFd m_dir; ///< The leaf directory; files are opened relative to it.
    bool m_removed { false };
};

} // namespace jail
