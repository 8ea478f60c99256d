// SPDX-License-Identifier: Apache-2.0
#include "tests/integration/test_guest.h"
#include "tests/integration/process.h"

#include <regex>
#include <sstream>

namespace partvm_test {

Guest Guest::from_env()
{
    return { env_or("PARTVM_TEST_KERNEL"), env_or("PARTVM_TEST_INITRD"),
        env_or("PARTVM_TEST_VMLINUX"), env_or("PARTVM_TEST_STOCK_KERNEL"),
        env_or("PARTVM_TEST_STOCK_VMLINUX") };
}

std::vector<std::string> boot_command(
    const std::string& kernel, const std::string& initrd, std::vector<std::string> extra)
{
    std::vector<std::string> argv = { partvm_binary(), "boot", "--kernel", kernel, "--initrd",
        initrd, "--serial", "--memory", "512M" };
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

GuestReport parse_report(const std::string& out)
{
    static const std::regex line(R"(PARTVM-RESULT uptime=([0-9.]+) cpus=([0-9]+) hyperv=(\w+))");
    std::smatch match;
    if (!std::regex_search(out, match, line)) {
        return {};
    }
    return { true, match[2], match[3] };
}

std::vector<VmbusReport> parse_vmbus_reports(const std::string& out)
{
    static const std::regex line(R"(PARTVM-VMBUS version=(\S+) devices=(\S*))");
    std::vector<VmbusReport> reports;
    for (auto it = std::sregex_iterator(out.begin(), out.end(), line); it != std::sregex_iterator();
         ++it) {
        VmbusReport report { (*it)[1], {} };
        std::istringstream devices((*it)[2]);
        for (std::string device; std::getline(devices, device, ',');) {
            report.devices.push_back(device);
        }
        reports.push_back(std::move(report));
    }
    return reports;
}

} // namespace partvm_test
