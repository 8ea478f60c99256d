// SPDX-License-Identifier: Apache-2.0
// `partvm check` on the machine the tests run on, held against what really happens there: its
// verdict must agree with a real boot of the test guest and with a real `partvm run`. The input
// suite runs this straight on the host (whatever its KVM is); the kvm suite runs it where the
// harness chose to boot guests (the host where the check passes, else the nested L1).
#include "tests/integration/process.h"
#include "tests/integration/test_guest.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace partvm_test;

namespace {

struct Verdict {
    bool ready { false };
    bool vm { false };
    bool jail_used { false };
    bool jail { false };
    std::vector<std::string> missing_capabilities;
};

Verdict check_this_host()
{
    auto check = run_process({ partvm_binary(), "check", "--json" });
    INFO(check);
    const auto json = nlohmann::json::parse(check.out, nullptr, false);
    REQUIRE_FALSE(json.is_discarded());
    Verdict verdict;
    verdict.ready = json["ready"];
    verdict.vm = json["vm"];
    verdict.jail_used = !json["jail"].is_null();
    verdict.jail = verdict.jail_used && json["jail"].get<bool>();
    for (const auto& cap : json["kvm"]["capabilities"]) {
        if (cap["required"] && cap["value"] == 0) {
            verdict.missing_capabilities.push_back(cap["name"]);
        }
    }
    CHECK(check.exit_code == (verdict.ready ? 0 : 1));
    CHECK(check.err.empty());
    return verdict;
}

void boot_agrees_with_the_check()
{
    const Verdict verdict = check_this_host();
    const Guest guest = Guest::from_env();
    REQUIRE_MESSAGE(
        !guest.kernel.empty(), "PARTVM_TEST_KERNEL is not set: run tests/integration/run");
    auto boot = run_process(boot_command(guest.kernel, guest.initrd));
    INFO("check said vm=" << verdict.vm << "\nboot stdout: " << boot.out
                          << "\nstderr: " << boot.err);
    if (verdict.vm) {
        CHECK(boot.exit_code == 0);
        CHECK(parse_report(boot.out).found);
        return;
    }
    // partvm boot refuses the host, naming what the check found missing, and points at the check.
    CHECK(boot.exit_code == 1);
    CHECK_FALSE(parse_report(boot.out).found);
    CHECK(boot.err.find("'partvm check'") != std::string::npos);
    for (const std::string& name : verdict.missing_capabilities) {
        CHECK_MESSAGE(boot.err.find(name) != std::string::npos, name);
    }
}

void run_agrees_with_the_check()
{
    const Verdict verdict = check_this_host();
    // The default kernel and agent rootfs (build/images), as a user's `partvm run` finds them.
    auto run = run_process({ partvm_binary(), "run", "--", "true" });
    INFO("check said ready=" << verdict.ready << " vm=" << verdict.vm << " jail=" << verdict.jail
                             << "\nrun stderr: " << run.err);
    CHECK(run.exit_code == (verdict.ready ? 0 : 125));
    if (!verdict.vm) {
        CHECK(run.err.find("'partvm check'") != std::string::npos);
    } else if (verdict.jail_used && !verdict.jail) {
        CHECK(run.err.find("cannot jail the VMM") != std::string::npos);
        CHECK(run.err.find("--no-jail") != std::string::npos);
    }
}

} // namespace

TEST_SUITE("input")
{
    TEST_CASE("check: on this host, the verdict agrees with a real boot of the test guest")
    {
        boot_agrees_with_the_check();
    }

    TEST_CASE("check: on this host, the verdict agrees with a real partvm run")
    {
        run_agrees_with_the_check();
    }
}

TEST_SUITE("kvm")
{
    TEST_CASE("check: where the harness boots guests, it says ready and a boot succeeds")
    {
        CHECK(check_this_host().ready);
        boot_agrees_with_the_check();
    }

    TEST_CASE("check: where the harness boots guests, the verdict agrees with a real partvm run")
    {
        run_agrees_with_the_check();
    }
}
