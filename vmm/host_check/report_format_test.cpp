// SPDX-License-Identifier: Apache-2.0
#include "vmm/host_check/report_format.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace vmm::host;

namespace {

HostFacts pvm_host()
{
    HostFacts facts;
    facts.kvm.access = KvmAccess::Usable;
    facts.kvm.modules = { "kvm_pvm" };
    facts.kvm.capabilities = {
        { "KVM_CAP_IRQCHIP", "in-kernel LAPIC and IOAPIC", CapabilityNeed::Required, 1 },
        { "KVM_CAP_HYPERV", "Hyper-V MSRs and hypercalls", CapabilityNeed::Required, 0 },
    };
    facts.kvm.max_vcpus = 288;
    facts.cgroup = { CgroupLayout::Hybrid, "" };
    facts.root = true;
    facts.thp_mode = "madvise";
    return facts;
}

} // namespace

TEST_CASE("check output: the text table ends with the verdict and shows a fix under a problem")
{
    const HostFacts facts = pvm_host();
    const HostReport report = evaluate(facts);
    const std::string text = format_text(report);
    CHECK(text.find("missing  KVM capabilities") != std::string::npos);
    CHECK(text.find("fix: this is kvm_pvm") != std::string::npos);
    const std::string last_line = text.substr(text.rfind('\n', text.size() - 2) + 1);
    CHECK(last_line == report.verdict + "\n");
}

TEST_CASE("check output: JSON carries the verdict, each check and each capability's answer")
{
    const HostFacts facts = pvm_host();
    const auto json = nlohmann::json::parse(format_json(evaluate(facts), facts));
    CHECK(json["ready"] == false);
    CHECK(json["vm"] == false);
    CHECK(json["jail"] == false);
    CHECK(json["kvm"]["access"] == "usable");
    CHECK(json["kvm"]["modules"][0] == "kvm_pvm");
    CHECK(json["kvm"]["capabilities"][1]["name"] == "KVM_CAP_HYPERV");
    CHECK(json["kvm"]["capabilities"][1]["value"] == 0);
    CHECK(json["kvm"]["capabilities"][1]["required"] == true);
    CHECK(json["cgroup"]["layout"] == "hybrid");
    CHECK(json["checks"][1]["item"] == "KVM capabilities");
    CHECK(json["checks"][1]["status"] == "missing");
}

TEST_CASE("check output: JSON's jail is null when not root, since the jail is not used")
{
    HostFacts facts = pvm_host();
    facts.root = false;
    const auto json = nlohmann::json::parse(format_json(evaluate(facts), facts));
    CHECK(json["jail"].is_null());
}
