// SPDX-License-Identifier: Apache-2.0
#include "vmm/host_check/host_report.h"

#include <algorithm>
#include <fmt/core.h>

namespace vmm::host {

using jail::cgroup_root;
using jail::jail_cgroup_problem;
using jail::no_jail_gives_up;

namespace {

bool has_module(const KvmFacts& kvm, std::string_view name)
{
    return std::find(kvm.modules.begin(), kvm.modules.end(), name) != kvm.modules.end();
}

std::string joined(const std::vector<std::string>& names)
{
    std::string text;
    for (const std::string& name : names) {
        text += (text.empty() ? "" : ", ") + name;
    }
    return text;
}

std::string access_problem(const KvmFacts& kvm)
{
    switch (kvm.access) {
    case KvmAccess::Usable:
        return {};
    case KvmAccess::Missing:
        return "/dev/kvm does not exist (no KVM module is loaded)";
    case KvmAccess::Denied:
    case KvmAccess::OpenFailed:
        return "/dev/kvm cannot be opened: " + kvm.open_error;
    case KvmAccess::WrongApiVersion:
        return "/dev/kvm speaks an unexpected KVM API version";
    }
    return {};
}

std::string access_fix(const KvmFacts& kvm)
{
    switch (kvm.access) {
    case KvmAccess::Denied:
        return "run as root, or join the group that owns /dev/kvm (usually kvm)";
    case KvmAccess::Missing:
    case KvmAccess::OpenFailed:
        return "load kvm_intel or kvm_amd (the CPU needs VT-x or AMD-V; inside a VM, turn on "
               "nested virtualisation)";
    case KvmAccess::WrongApiVersion:
    case KvmAccess::Usable:
        break;
    }
    return {};
}

CheckRow kvm_device_row(const KvmFacts& kvm)
{
    const std::string modules = kvm.modules.empty() ? "" : " (module " + joined(kvm.modules) + ")";
    if (kvm.access != KvmAccess::Usable) {
        return { "/dev/kvm", Status::Missing, access_problem(kvm) + modules, access_fix(kvm) };
    }
    return { "/dev/kvm", Status::Ok, "opens" + modules, "" };
}

std::vector<CheckRow> capability_rows(const KvmFacts& kvm)
{
    std::vector<std::string> required_missing;
    std::vector<std::string> optional_missing;
    size_t required = 0;
    for (const CapabilityAnswer& answer : kvm.capabilities) {
        const bool needed = answer.need == CapabilityNeed::Required;
        required += needed ? 1 : 0;
        if (!answer.present()) {
            (needed ? required_missing : optional_missing).emplace_back(answer.name);
        }
    }
    std::vector<CheckRow> rows;
    if (required_missing.empty()) {
        rows.push_back({ "KVM capabilities", Status::Ok,
            fmt::format("all {} that partvm needs", required), "" });
    } else {
        // kvm_pvm is the software-only KVM some cloud VMs offer: it has no Hyper-V support at all.
        const std::string why = has_module(kvm, "kvm_pvm")
            ? "this is kvm_pvm, a software-only KVM without Hyper-V support; "
            : "";
        rows.push_back({ "KVM capabilities", Status::Missing,
            fmt::format(
                "lacks {} of {}: {}", required_missing.size(), required, joined(required_missing)),
            why
                + "partvm needs Linux's kvm_intel or kvm_amd (5.10 or later) on hardware "
                  "virtualisation" });
    }
    if (!optional_missing.empty()) {
        rows.push_back({ "optional KVM capabilities", Status::Warning,
            "lacks " + joined(optional_missing),
            "a newer host kernel; partvm runs without them (see the JSON for what each gives)" });
    }
    return rows;
}

CheckRow cgroup_row(const HostFacts& facts)
{
    if (!facts.root) {
        return { "cgroup v2 (jail)", Status::Info,
            "not used: partvm run jails the VMM only when run as root", "" };
    }
    const std::string problem = jail_cgroup_problem(facts.cgroup);
    if (!problem.empty()) {
        return { "cgroup v2 (jail)", Status::Missing, problem,
            "mount cgroup v2 as said; or know that " + std::string(no_jail_gives_up) };
    }
    return { "cgroup v2 (jail)", Status::Ok,
        "unified at " + std::string(cgroup_root) + ", controllers cpu memory pids", "" };
}

CheckRow tun_row(const HostFacts& facts)
{
    if (facts.tun_present) {
        return { "/dev/net/tun", Status::Ok, "present", "" };
    }
    return { "/dev/net/tun", Status::Info,
        "absent: TAP networking will need it (no partvm feature uses it yet)", "modprobe tun" };
}

CheckRow thp_row(const HostFacts& facts)
{
    const std::string& mode = facts.thp_mode;
    if (mode == "always" || mode == "madvise") {
        return { "transparent huge pages", Status::Ok, mode + ": guest RAM gets 2 MiB pages", "" };
    }
    return { "transparent huge pages", Status::Warning,
        (mode.empty() ? "unavailable" : mode) + ": guest RAM on 4 KiB pages, slower boots",
        "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled" };
}

} // namespace

std::string missing_capabilities_problem(std::span<const CapabilityAnswer> answers)
{
    std::string names;
    for (const CapabilityAnswer& answer : answers) {
        if (answer.need == CapabilityNeed::Required && !answer.present()) {
            names += fmt::format("{}{}", names.empty() ? "" : ", ", answer.name);
        }
    }
    if (names.empty()) {
        return {};
    }
    return "this host's KVM lacks " + names + ", which partvm needs";
}

std::string kvm_problem(const KvmFacts& kvm)
{
    if (kvm.access != KvmAccess::Usable) {
        return access_problem(kvm);
    }
    if (std::string missing = missing_capabilities_problem(kvm.capabilities); !missing.empty()) {
        return missing;
    }
    return kvm.hyperv_cpuid_problem;
}

HostReport evaluate(const HostFacts& facts)
{
    HostReport report;
    const KvmFacts& kvm = facts.kvm;
    report.rows.push_back(kvm_device_row(kvm));
    if (kvm.access == KvmAccess::Usable) {
        for (CheckRow& row : capability_rows(kvm)) {
            report.rows.push_back(std::move(row));
        }
        if (missing_capabilities_problem(kvm.capabilities).empty()) {
            report.rows.push_back(kvm.hyperv_cpuid_problem.empty()
                    ? CheckRow { "Hyper-V CPUID", Status::Ok, "hypercalls, VP index, SynIC", "" }
                    : CheckRow { "Hyper-V CPUID", Status::Missing, kvm.hyperv_cpuid_problem,
                        "a host kernel whose KVM offers these Hyper-V features" });
        }
        report.rows.push_back({ "vCPUs per VM", Status::Info,
            fmt::format("KVM allows up to {}", kvm.max_vcpus), "" });
    }
    report.rows.push_back(cgroup_row(facts));
    report.rows.push_back(tun_row(facts));
    report.rows.push_back(thp_row(facts));

    const std::string vm_problem = kvm_problem(kvm);
    report.vm_ready = vm_problem.empty();
    report.jail_used = facts.root;
    report.jail_ready = jail_cgroup_problem(facts.cgroup).empty();
    if (!report.vm_ready) {
        report.verdict = "partvm cannot run VMs here: " + vm_problem;
    } else if (report.jail_used && !report.jail_ready) {
        report.verdict
            = "partvm can run VMs here only with --no-jail: " + jail_cgroup_problem(facts.cgroup);
    } else {
        report.verdict = report.jail_used ? "partvm can run VMs here, jailed"
                                          : "partvm can run VMs here (unjailed: not root)";
    }
    return report;
}

} // namespace vmm::host
