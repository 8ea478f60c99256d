// SPDX-License-Identifier: Apache-2.0
#include "vmm/host_check/host_report.h"

#include <doctest/doctest.h>

using namespace vmm::host;

namespace {

std::vector<CapabilityAnswer> all_capabilities(int value)
{
    return {
        { "KVM_CAP_IRQCHIP", "in-kernel LAPIC and IOAPIC", CapabilityNeed::Required, value },
        { "KVM_CAP_HYPERV", "Hyper-V MSRs and hypercalls", CapabilityNeed::Required, value },
        { "KVM_CAP_HYPERV_SYNIC2", "SynIC", CapabilityNeed::Required, value },
        { "KVM_CAP_TSC_DEADLINE_TIMER", "the guest's timer", CapabilityNeed::Optional, value },
    };
}

/// A host partvm runs on as root: KVM with every capability, cgroup v2 with all controllers.
HostFacts good_host()
{
    HostFacts facts;
    facts.kvm.access = KvmAccess::Usable;
    facts.kvm.modules = { "kvm_amd" };
    facts.kvm.capabilities = all_capabilities(1);
    facts.kvm.max_vcpus = 710;
    facts.cgroup = { CgroupLayout::Unified, "cpuset cpu io memory hugetlb pids rdma misc\n" };
    facts.root = true;
    facts.tun_present = true;
    facts.thp_mode = "madvise";
    return facts;
}

const CheckRow& row(const HostReport& report, std::string_view item)
{
    for (const CheckRow& row : report.rows) {
        if (row.item == item) {
            return row;
        }
    }
    FAIL("no row ", item);
    return report.rows.front();
}

bool has_row(const HostReport& report, std::string_view item)
{
    for (const CheckRow& row : report.rows) {
        if (row.item == item) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE("host check: a host with KVM's Hyper-V support and cgroup v2 is ready, jailed")
{
    const HostReport report = evaluate(good_host());
    CHECK(report.ready());
    CHECK(report.vm_ready);
    CHECK(report.jail_ready);
    CHECK(report.verdict == "partvm can run VMs here, jailed");
    for (const CheckRow& each : report.rows) {
        CHECK_MESSAGE(each.status != Status::Missing, each.item);
    }
}

TEST_CASE("host check: no /dev/kvm cannot run VMs and says which modules to load")
{
    HostFacts facts = good_host();
    facts.kvm = KvmFacts {};
    facts.kvm.access = KvmAccess::Missing;
    facts.kvm.open_error = "No such file or directory";
    const HostReport report = evaluate(facts);
    CHECK_FALSE(report.ready());
    CHECK_FALSE(report.vm_ready);
    CHECK(row(report, "/dev/kvm").status == Status::Missing);
    CHECK(row(report, "/dev/kvm").fix.find("kvm_intel or kvm_amd") != std::string::npos);
    CHECK(report.verdict
        == "partvm cannot run VMs here: /dev/kvm does not exist (no KVM module "
           "is loaded)");
    CHECK_FALSE(has_row(report, "KVM capabilities"));
}

TEST_CASE("host check: a /dev/kvm the user may not open points at the kvm group")
{
    HostFacts facts = good_host();
    facts.root = false;
    facts.kvm = KvmFacts {};
    facts.kvm.access = KvmAccess::Denied;
    facts.kvm.open_error = "Permission denied";
    const HostReport report = evaluate(facts);
    CHECK_FALSE(report.ready());
    CHECK(row(report, "/dev/kvm").found.find("Permission denied") != std::string::npos);
    CHECK(row(report, "/dev/kvm").fix.find("kvm") != std::string::npos);
}

TEST_CASE("host check: a KVM that opens but lacks Hyper-V (kvm_pvm) cannot run VMs")
{
    HostFacts facts = good_host();
    facts.kvm.modules = { "kvm_pvm" };
    facts.kvm.capabilities = all_capabilities(1);
    facts.kvm.capabilities[1].value = 0; // KVM_CAP_HYPERV
    facts.kvm.capabilities[2].value = 0; // KVM_CAP_HYPERV_SYNIC2
    const HostReport report = evaluate(facts);
    CHECK_FALSE(report.ready());
    CHECK_FALSE(report.vm_ready);
    const CheckRow& caps = row(report, "KVM capabilities");
    CHECK(caps.status == Status::Missing);
    CHECK(caps.found == "lacks 2 of 3: KVM_CAP_HYPERV, KVM_CAP_HYPERV_SYNIC2");
    CHECK(caps.fix.find("kvm_pvm, a software-only KVM") != std::string::npos);
    CHECK(report.verdict
        == "partvm cannot run VMs here: this host's KVM lacks KVM_CAP_HYPERV, "
           "KVM_CAP_HYPERV_SYNIC2, which partvm needs");
}

TEST_CASE("host check: a missing optional capability warns but does not block")
{
    HostFacts facts = good_host();
    facts.kvm.capabilities[3].value = 0;
    const HostReport report = evaluate(facts);
    CHECK(report.ready());
    CHECK(row(report, "optional KVM capabilities").status == Status::Warning);
    CHECK(row(report, "optional KVM capabilities").found == "lacks KVM_CAP_TSC_DEADLINE_TIMER");
}

TEST_CASE("host check: KVM without the Hyper-V CPUID features partvm offers cannot run VMs")
{
    HostFacts facts = good_host();
    facts.kvm.hyperv_cpuid_problem = "KVM lacks the Hyper-V enlightenments partvm needs";
    const HostReport report = evaluate(facts);
    CHECK_FALSE(report.vm_ready);
    CHECK(row(report, "Hyper-V CPUID").status == Status::Missing);
    CHECK(kvm_problem(facts.kvm) == facts.kvm.hyperv_cpuid_problem);
}

TEST_CASE("host check: as root on cgroup v1, VMs run only with --no-jail")
{
    HostFacts facts = good_host();
    facts.cgroup = { CgroupLayout::Legacy, "" };
    const HostReport report = evaluate(facts);
    CHECK(report.vm_ready);
    CHECK_FALSE(report.jail_ready);
    CHECK_FALSE(report.ready());
    CHECK(row(report, "cgroup v2 (jail)").status == Status::Missing);
    CHECK(row(report, "cgroup v2 (jail)").found.find("cgroup v1 hierarchies only")
        != std::string::npos);
    CHECK(row(report, "cgroup v2 (jail)").fix.find("--no-jail") != std::string::npos);
    CHECK(report.verdict.rfind("partvm can run VMs here only with --no-jail: ", 0) == 0);
}

TEST_CASE("host check: a hybrid cgroup layout names the unified mount it has")
{
    HostFacts facts = good_host();
    facts.cgroup = { CgroupLayout::Hybrid, "" };
    const HostReport report = evaluate(facts);
    CHECK_FALSE(report.ready());
    CHECK(row(report, "cgroup v2 (jail)").found.find("only at /sys/fs/cgroup/unified (a hybrid")
        != std::string::npos);
}

TEST_CASE("host check: cgroup v2 without the memory controller blocks the jail")
{
    HostFacts facts = good_host();
    facts.cgroup = { CgroupLayout::Unified, "cpuset cpu io pids\n" };
    const HostReport report = evaluate(facts);
    CHECK_FALSE(report.ready());
    CHECK(row(report, "cgroup v2 (jail)").found
        == "cgroup v2 at /sys/fs/cgroup does not offer the memory controller the jailer limits "
           "each VM with (cgroup.controllers lists what the kernel offers)");
}

TEST_CASE("host check: without root the jail is not used, so a cgroup v1 host is still ready")
{
    HostFacts facts = good_host();
    facts.root = false;
    facts.cgroup = { CgroupLayout::Legacy, "" };
    const HostReport report = evaluate(facts);
    CHECK(report.ready());
    CHECK(row(report, "cgroup v2 (jail)").status == Status::Info);
    CHECK(report.verdict == "partvm can run VMs here (unjailed: not root)");
}

TEST_CASE("host check: THP never is a warning, and a missing TUN only informs")
{
    HostFacts facts = good_host();
    facts.thp_mode = "never";
    facts.tun_present = false;
    const HostReport report = evaluate(facts);
    CHECK(report.ready());
    CHECK(row(report, "transparent huge pages").status == Status::Warning);
    CHECK(row(report, "/dev/net/tun").status == Status::Info);
}

TEST_CASE("host check: the capability problem names only missing required capabilities")
{
    auto answers = all_capabilities(1);
    CHECK(missing_capabilities_problem(answers).empty());
    answers[3].value = 0; // Optional: not a problem.
    CHECK(missing_capabilities_problem(answers).empty());
    answers[0].value = 0;
    CHECK(missing_capabilities_problem(answers)
        == "this host's KVM lacks KVM_CAP_IRQCHIP, which partvm needs");
}
