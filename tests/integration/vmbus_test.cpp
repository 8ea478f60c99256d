// SPDX-License-Identifier: Apache-2.0
// The VMBus host against the stock guest drivers: hv_vmbus connects and binds our channels,
// hv_utils' shutdown service turns SIGTERM into a clean guest power-off, and an unloaded and
// reloaded hv_vmbus (UNLOAD, then a fresh INITIATE_CONTACT) finds the bus again.
#include "tests/integration/process.h"
#include "tests/integration/test_guest.h"

#include <algorithm>
#include <csignal>
#include <doctest/doctest.h>

using namespace partvm_test;

namespace {

constexpr const char* shutdown_class = "0e0b6031-5213-4934-818b-38d90ced39db";

/// Boots partvm's kernel (VMBus drivers built in), or with `stock` Debian's cloud kernel, whose
/// init loads hv_vmbus and hv_utils as modules.
std::vector<std::string> vmbus_boot(
    const std::string& guest_args, std::vector<std::string> extra = {}, bool stock = false)
{
    Guest guest = Guest::from_env();
    std::vector<std::string> flags = { "--cmdline",
        "console=ttyS0 quiet panic=-1 partvm.modules=hv_vmbus,hv_utils " + guest_args };
    flags.insert(flags.end(), extra.begin(), extra.end());
    return boot_command(stock ? guest.stock_kernel : guest.kernel, guest.initrd, flags);
}

bool has_device(const VmbusReport& report, const std::string& device)
{
    return std::find(report.devices.begin(), report.devices.end(), device) != report.devices.end();
}

} // namespace

TEST_SUITE("kvm")
{
    TEST_CASE("hv_vmbus connects at protocol 5.3 and hv_utils binds the shutdown channel")
    {
        auto result = run_process(vmbus_boot("partvm.vmbus=report", { "--vcpus", "2" }));
        INFO(result);
        auto reports = parse_vmbus_reports(result.out);
        REQUIRE(reports.size() == 1);
        CHECK(reports[0].version == "5.3");
        CHECK(has_device(reports[0], std::string(shutdown_class) + ":hv_utils"));
        CHECK(result.exit_code == 0);
    }

    TEST_CASE("SIGTERM makes the guest shut itself down through the shutdown service")
    {
        auto result = run_process(
            vmbus_boot("partvm.vmbus=report partvm.exit=hang", { "--log-level", "info" }),
            std::chrono::seconds(300), { .signal = SIGTERM, .once_stdout_has = "PARTVM-VMBUS" });
        INFO(result);
        REQUIRE(result.signals_sent == 1);
        CHECK(result.err.find("guest shut down as signal 15 asked") != std::string::npos);
        CHECK(result.exit_code == 0);
        CHECK(result.err.find("did not shut down") == std::string::npos);
    }

    TEST_CASE("a guest that ignores the shutdown request is stopped after the timeout")
    {
        auto result = run_process(
            vmbus_boot("partvm.vmbus=report partvm.exit=hang-deaf", { "--shutdown-timeout", "2" }),
            std::chrono::seconds(300), { .signal = SIGTERM, .once_stdout_has = "PARTVM-VMBUS" });
        INFO(result);
        CHECK(result.exit_code == 128 + SIGTERM);
        CHECK(result.err.find("did not shut down within 2 s") != std::string::npos);
        CHECK(result.seconds_after_signal >= 2);
        CHECK(result.seconds_after_signal < 10);
    }

    TEST_CASE("a second SIGTERM stops the VM at once")
    {
        auto result = run_process(vmbus_boot("partvm.vmbus=report partvm.exit=hang-deaf",
                                      { "--shutdown-timeout", "600" }),
            std::chrono::seconds(300),
            { .signal = SIGTERM,
                .after = std::chrono::milliseconds(500),
                .once_stdout_has = "PARTVM-VMBUS",
                .times = 2 });
        INFO(result);
        CHECK(result.exit_code == 128 + SIGTERM);
        CHECK(result.signals_sent == 2);
        CHECK(result.seconds_after_signal < 10);
    }

    TEST_CASE("hv_vmbus unloaded and loaded again reconnects and rebinds its channels")
    {
        // Only a modular kernel can unload hv_vmbus.
        auto result = run_process(vmbus_boot("partvm.vmbus=reload", {}, true));
        INFO(result);
        auto reports = parse_vmbus_reports(result.out);
        REQUIRE(reports.size() == 2);
        for (const auto& report : reports) {
            CHECK(report.version == "5.3");
            CHECK(has_device(report, std::string(shutdown_class) + ":hv_utils"));
        }
        CHECK(result.err.find("partvm-init: rmmod failed") == std::string::npos);
        CHECK(result.out.find("partvm-init: rmmod failed") == std::string::npos);
        CHECK(result.exit_code == 0);
    }

    TEST_CASE("the VMBus conversation is logged at --log-level trace, and not below")
    {
        auto traced = run_process(vmbus_boot("partvm.vmbus=report", { "--log-level", "trace" }));
        INFO("stderr: " << traced.err);
        CHECK(traced.err.find("<- INITIATE_CONTACT") != std::string::npos);
        CHECK(traced.err.find("<- OPENCHANNEL") != std::string::npos);
        auto quiet = run_process(vmbus_boot("partvm.vmbus=report", { "--log-level", "debug" }));
        CHECK(quiet.err.find("<- INITIATE_CONTACT") == std::string::npos);
        CHECK(quiet.exit_code == 0);
    }
}
