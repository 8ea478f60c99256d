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

} // namespace

std::vector<ConfigError> validate(const VmConfig& config)
{
    Checker checker;
    check_machine(config.machine, checker);
    check_boot(config.boot, checker);
    check_vsock(config.vsock, checker);
    return checker.take();
}

} // namespace vmm
