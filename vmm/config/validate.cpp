// SPDX-License-Identifier: Apache-2.0
// validate(): the checks every VmConfig must pass whichever way it was built (file, flags, API).
#include "vmm/config/validate.h"

#include "vmm/config/memory_size.h"

#include <fmt/core.h>

#include <string_view>

namespace vmm {
namespace {

class Checker {
public:
    void fail(std::string key_path, std::string message)
    {
        m_errors.push_back(ConfigError { "", 0, 0, std::move(key_path), std::move(message) });
    }
    std::vector<ConfigError> take() { return std::move(m_errors); }

private:
    std::vector<ConfigError> m_errors;
};

void check_machine(const MachineConfig& machine, Checker& checker)
{
    if (machine.memory_bytes < min_memory_bytes) {
        checker.fail("machine.memory",
            fmt::format("{} is below the minimum of {}", format_memory_size(machine.memory_bytes),
                format_memory_size(min_memory_bytes)));
    } else if (machine.memory_bytes > max_memory_bytes) {
        checker.fail("machine.memory",
            fmt::format("{} is above the maximum of {}", format_memory_size(machine.memory_bytes),
                format_memory_size(max_memory_bytes)));
    } else if (machine.memory_bytes % memory_granule != 0) {
        checker.fail("machine.memory",
            fmt::format("{} is not a multiple of 4 KiB", format_memory_size(machine.memory_bytes)));
    }
    if (machine.vcpus < 1 || machine.vcpus > max_vcpus) {
        checker.fail("machine.vcpus",
            fmt::format("must be between 1 and {}, got {}", max_vcpus, machine.vcpus));
    }
    if (machine.shutdown_timeout_s > max_shutdown_timeout_s) {
        checker.fail("machine.shutdown_timeout",
            fmt::format("must be between 0 and {}, got {}", max_shutdown_timeout_s,
                machine.shutdown_timeout_s));
    }
}

bool has_nul(std::string_view text)
{
    return text.find('\0') != std::string_view::npos;
}

void check_boot(const BootConfig& boot, Checker& checker)
{
    if (boot.kernel.empty()) {
        checker.fail("boot.kernel", "no kernel image given");
    } else if (has_nul(boot.kernel)) {
        checker.fail("boot.kernel", "the path contains a NUL byte");
    }
    if (has_nul(boot.initrd)) {
        checker.fail("boot.initrd", "the path contains a NUL byte");
    }
    // The kernel reads the command line as a C string; a NUL would silently cut it short.
    // Its length limit depends on the kernel (boot protocol cmdline_size): vmm/boot checks it.
    if (has_nul(boot.cmdline)) {
        checker.fail("boot.cmdline", "contains a NUL byte");
    }
}

void check_vsock(const VsockConfig& vsock, Checker& checker)
{
    if (has_nul(vsock.socket)) {
        checker.fail("vsock.socket", "the path contains a NUL byte");
    } else if (vsock.socket.size() > max_vsock_socket_path) {
        checker.fail("vsock.socket",
            fmt::format("the path is {} bytes long; a Unix socket path may have at most {} here",
                vsock.socket.size(), max_vsock_socket_path));
    }
}

std::string disk_key(size_t index, std::string_view key)
{
    return fmt::format("disk[{}].{}", index, key);
}

/// Printable ASCII (0x20-0x7e): what SCSI INQUIRY data may carry.
bool printable_ascii(std::string_view text)
{
    for (char c : text) {
        if (c < 0x20 || c > 0x7e) {
            return false;
        }
    }
    return true;
}

void check_serial(const DiskConfig& disk, size_t index, Checker& checker)
{
    if (disk.serial.empty()) {
        return; // disk_serial() supplies the default, which is valid.
    }
    if (disk.serial.size() > max_disk_serial_size) {
        checker.fail(disk_key(index, "serial"),
            fmt::format("'{}' is {} bytes long; a serial may have at most {}", disk.serial,
                disk.serial.size(), max_disk_serial_size));
    } else if (!printable_ascii(disk.serial)) {
        // Not quoted: the bytes themselves are the problem.
        checker.fail(
            disk_key(index, "serial"), "may hold only printable ASCII characters (space to '~')");
    }
}

/// Each disk's path and serial, then the count and unique serials: the guest tells disks apart by
/// serial (it is the disk's wwid), so two alike would look like two paths to one disk.
void check_disks(const std::vector<DiskConfig>& disks, Checker& checker)
{
    if (disks.size() > max_disks) {
        checker.fail(disk_key(max_disks, "path"),
            fmt::format("{} disks given; a VM may have at most {} (LUNs 0 to {})", disks.size(),
                max_disks, max_disks - 1));
    }
    for (size_t i = 0; i < disks.size(); ++i) {
        const DiskConfig& disk = disks[i];
        if (disk.path.empty()) {
            checker.fail(disk_key(i, "path"), "no path given");
        } else if (has_nul(disk.path)) {
            checker.fail(disk_key(i, "path"), "the path contains a NUL byte");
        }
        check_serial(disk, i, checker);
        for (size_t j = 0; j < i; ++j) {
            if (disk_serial(disk, i) == disk_serial(disks[j], j)) {
                checker.fail(disk_key(i, "serial"),
                    fmt::format("'{}' is the serial of disk[{}] too; serials must be unique",
                        disk_serial(disk, i), j));
                break;
            }
        }
    }
}

} // namespace

std::vector<ConfigError> validate(const VmConfig& config)
{
    Checker checker;
    check_machine(config.machine, checker);
    check_boot(config.boot, checker);
    check_vsock(config.vsock, checker);
    check_disks(config.disks, checker);
    return checker.take();
}

} // namespace vmm
