// SPDX-License-Identifier: Apache-2.0
#include "jailer/jail_root.h"

#include "base/unique_fd.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace jail {
namespace {

struct DeviceNode {
    const char* path; ///< Below /dev.
    unsigned major;
    unsigned minor;
    mode_t mode;
    bool owned_by_vmm;
};

// Documented in the kernel's devices.txt. kvm and tun are the VMM's alone; null and urandom are
// harmless and libc expects them.
constexpr DeviceNode device_nodes[] = {
    { "kvm", 10, 232, 0600, true },
    { "net/tun", 10, 200, 0600, true },
    { "null", 1, 3, 0666, false },
    { "urandom", 1, 9, 0666, false },
};

Result<void> mount_or_fail(const char* source, const std::string& target, const char* type,
    unsigned long flags, const char* data, const char* what)
{
    if (::mount(source, target.c_str(), type, flags, data) < 0) {
        return JailError::from_errno(std::string(what) + " at " + target);
    }
    return {};
}

/// Changes only this mount's flags (not the file system's): a bind remount.
Result<void> set_mount_flags(const std::string& target, unsigned long flags)
{
    return mount_or_fail(
        nullptr, target, nullptr, MS_REMOUNT | MS_BIND | flags, nullptr, "cannot remount");
}

/// mkdir -p for the directories of `path` below `root` (both absolute, `path` normalised).
Result<void> make_parents(const std::string& root, const std::string& path)
{
    for (size_t slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
        const std::string dir = root + path.substr(0, slash);
        if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) {
            return JailError::from_errno("cannot create " + dir);
        }
    }
    return {};
}

Result<void> make_dev(const std::string& root, uint32_t uid, uint32_t gid)
{
    const std::string dev = root + "/dev";
    if (::mkdir(dev.c_str(), 0755) < 0) {
        return JailError::from_errno("cannot create " + dev);
    }
    // 64 KiB and a few inodes: room for the nodes and nothing else.
    TRY(mount_or_fail("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC,
        "size=64k,nr_inodes=16,mode=0755", "cannot mount a tmpfs"));
    if (::mkdir((dev + "/net").c_str(), 0755) < 0) {
        return JailError::from_errno("cannot create " + dev + "/net");
    }
    for (const DeviceNode& node : device_nodes) {
        const std::string path = dev + "/" + node.path;
        if (::mknod(path.c_str(), S_IFCHR | node.mode, makedev(node.major, node.minor)) < 0) {
            return JailError::from_errno("cannot create device node " + path);
        }
        // The umask may have cleared bits of the mode mknod was given.
        if (::chmod(path.c_str(), node.mode) < 0) {
            return JailError::from_errno("cannot chmod " + path);
        }
        if (node.owned_by_vmm && ::chown(path.c_str(), uid, gid) < 0) {
            return JailError::from_errno("cannot chown " + path);
        }
    }
    return set_mount_flags(dev, MS_RDONLY | MS_NOSUID | MS_NOEXEC);
}

Result<void> bind(const std::string& root, const BindMount& mount)
{
    const std::string target = root + mount.jail;
    TRY(make_parents(root, mount.jail));
    if (mount.kind == BindMount::Kind::Dir) {
        if (::mkdir(target.c_str(), 0755) < 0) {
            return JailError::from_errno("cannot create mount point " + target);
        }
    } else {
        vmm::UniqueFd point(
            ::open(target.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0444));
        if (!point.valid()) {
            return JailError::from_errno("cannot create mount point " + target);
        }
    }
    // Not MS_REC: mounts below a --dir on the host stay out of the jail.
    if (::mount(mount.host.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) < 0) {
        return JailError::from_errno("cannot bind-mount " + mount.host + " at " + target);
    }
    unsigned long flags = MS_NOSUID | MS_NODEV;
    // A disk may be a block device node, which nodev would make unopenable. Judged on what was
    // mounted, not on the host path, which could have changed since it was checked; character
    // devices stay nodev.
    struct stat mounted { };
    const bool file = mount.kind == BindMount::Kind::File || mount.kind == BindMount::Kind::FileRw;
    if (file && ::stat(target.c_str(), &mounted) == 0 && S_ISBLK(mounted.st_mode)) {
        flags &= ~MS_NODEV;
    }
    switch (mount.kind) {
    case BindMount::Kind::Exec:
        flags |= MS_RDONLY;
        break;
    case BindMount::Kind::File:
        flags |= MS_RDONLY | MS_NOEXEC;
        break;
    case BindMount::Kind::FileRw:
        flags |= MS_NOEXEC;
        break;
    case BindMount::Kind::Dir:
        flags |= MS_NOEXEC;
        break;
    }
    return set_mount_flags(target, flags);
}

} // namespace

Result<void> build_jail_root(const JailLayout& layout)
{
    // Private first: none of the mounts below may show up in the host's namespace.
    TRY(mount_or_fail(
        nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr, "cannot make mounts private"));
    // pivot_root needs the new root to be a mount point.
    TRY(mount_or_fail(
        layout.root.c_str(), layout.root, nullptr, MS_BIND, nullptr, "cannot bind the jail root"));
    TRY(make_dev(layout.root, layout.uid, layout.gid));
    for (const BindMount& mount : layout.binds) {
        TRY(bind(layout.root, mount));
    }
    // The VMM may write only into its --dir mounts.
    return set_mount_flags(layout.root, MS_RDONLY | MS_NOSUID | MS_NODEV);
}

Result<void> enter_jail_root(const std::string& root)
{
    if (::chdir(root.c_str()) < 0) {
        return JailError::from_errno("cannot enter " + root);
    }
    // pivot_root(".", ".") stacks the old root on top of the new one; detaching the top mount at
    // "." then leaves only the jail (no put_old directory needed).
    if (::syscall(SYS_pivot_root, ".", ".") < 0) {
        return JailError::from_errno("pivot_root into " + root);
    }
    if (::umount2(".", MNT_DETACH) < 0) {
        return JailError::from_errno("cannot detach the old root");
    }
    if (::chdir("/") < 0) {
        return JailError::from_errno("chdir / in the jail");
    }
    return {};
}

} // namespace jail
