// SPDX-License-Identifier: Apache-2.0
// The test guest (rootfs/test-guest) as integration tests use it: where it is, how to boot it,
// and what its /init reports.
#pragma once
#include <string>
#include <vector>

namespace partvm_test {

/// Paths from tests/integration/run: partvm's own kernel (guest-kernel-config/build.sh, drivers
/// built in) as a bzImage and an ELF vmlinux, Debian's stock cloud kernel (drivers as modules) the
/// same two ways, and the test initramfs (rootfs/test-guest/build.sh), which boots on both.
struct Guest {
    std::string kernel;
    std::string initrd;
    std::string vmlinux;
    std::string stock_kernel;
    std::string stock_vmlinux;
    static Guest from_env();
};

/// `partvm boot` of `kernel` + `initrd` with a serial console and 512 MiB, then `extra`.
std::vector<std::string> boot_command(
    const std::string& kernel, const std::string& initrd, std::vector<std::string> extra = {});

/// The fields of the guest's "PARTVM-RESULT uptime=.. cpus=.. hyperv=.." line.
struct GuestReport {
    bool found { false };
    std::string cpus;
    std::string hyperv;
};
GuestReport parse_report(const std::string& out);

/// Each "PARTVM-VMBUS version=.. devices=.." line (partvm.vmbus=report|reload), in order.
struct VmbusReport {
    std::string version; ///< "5.3", or "none" when hv_vmbus never connected.
    std::vector<std::string> devices; ///< "class-guid:driver" per channel.
};
std::vector<VmbusReport> parse_vmbus_reports(const std::string& out);

} // namespace partvm_test
