// SPDX-License-Identifier: Apache-2.0
// The jail's file system, built by the child in its new mount namespace: the jail root bound onto
// itself, a tiny /dev with only the nodes a VMM needs, the bind mounts, then pivot_root into it.
#pragma once
#include "jailer/error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace jail {

struct BindMount {
    enum class Kind {
        Exec, ///< The VMM binary: read-only, executable.
        File, ///< --file: read-only, not executable.
        FileRw, ///< --file-rw: read-write (a disk image or block device), not executable.
        Dir, ///< --dir: read-write (a socket directory), not executable.
    };
    std::string host; ///< Absolute host path.
    std::string jail; ///< Absolute path inside the jail.
    Kind kind { Kind::File };
};

/// What the child builds; the parent computes it from the options before the clone.
struct JailLayout {
    std::string root; ///< Host path of the (empty) jail root directory.
    std::vector<BindMount> binds;
    uint32_t uid { 0 }; ///< Owner of /dev/kvm and /dev/net/tun.
    uint32_t gid { 0 };
};

/// Child only, in its own mount namespace: makes every mount private (nothing propagates back to
/// the host), binds layout.root onto itself, mounts /dev (tmpfs, then read-only) with kvm,
/// net/tun (0600, owned by uid:gid), null and urandom (0666), does the bind mounts (mount points
/// created as needed; a bound block device keeps its device semantics, every other bind is
/// nodev), and finally remounts the jail root read-only, nosuid, nodev.
Result<void> build_jail_root(const JailLayout& layout);

/// Child only: pivot_root into `root`, detach the old root, chdir("/").
Result<void> enter_jail_root(const std::string& root);

} // namespace jail
