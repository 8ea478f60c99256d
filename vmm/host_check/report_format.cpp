// SPDX-License-Identifier: Apache-2.0
#include "vmm/host_check/report_format.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace vmm::host {

using jail::cgroup_root;
using jail::jail_cgroup_problem;
using jail::no_jail_gives_up;

namespace {

std::string_view status_name(Status status)
{
    switch (status) {
    case Status::Ok:
        return "ok";
    case Status::Missing:
        return "missing";
    case Status::Warning:
        return "warning";
    case Status::Info:
        return "info";
    }
    return "info";
}

std::string_view access_name(KvmAccess access)
{
    switch (access) {
    case KvmAccess::Usable:
        return "usable";
    case KvmAccess::Missing:
        return "missing";
    case KvmAccess::Denied:
        return "denied";
    case KvmAccess::OpenFailed:
        return "open-failed";
    case KvmAccess::WrongApiVersion:
        return "wrong-api-version";
    }
    return "missing";
}

std::string_view layout_name(CgroupLayout layout)
{
    switch (layout) {
    case CgroupLayout::Unified:
        return "unified";
    case CgroupLayout::Hybrid:
        return "hybrid";
    case CgroupLayout::Legacy:
        return "legacy";
    case CgroupLayout::Absent:
        return "absent";
    }
    return "absent";
}

} // namespace

std::string format_text(const HostReport& report)
{
    size_t width = 0;
    for (const CheckRow& row : report.rows) {
        width = std::max(width, row.item.size());
    }
    std::string text;
    for (const CheckRow& row : report.rows) {
        text += fmt::format(
            "{:<8} {:<{}}  {}\n", status_name(row.status), row.item, width, row.found);
        if (row.status != Status::Ok && !row.fix.empty()) {
            text += fmt::format("{:<8} {:<{}}  fix: {}\n", "", "", width, row.fix);
        }
    }
    return text + report.verdict + "\n";
}

std::string format_json(const HostReport& report, const HostFacts& facts)
{
    using nlohmann::json;
    json checks = json::array();
    for (const CheckRow& row : report.rows) {
        checks.push_back({ { "item", row.item }, { "status", status_name(row.status) },
            { "found", row.found }, { "fix", row.fix } });
    }
    json capabilities = json::array();
    for (const CapabilityAnswer& answer : facts.kvm.capabilities) {
        capabilities.push_back({ { "name", answer.name }, { "value", answer.value },
            { "required", answer.need == CapabilityNeed::Required },
            { "used_for", answer.used_for } });
    }
    const json document = {
        { "ready", report.ready() },
        { "vm", report.vm_ready },
        { "jail", report.jail_used ? json(report.jail_ready) : json(nullptr) },
        { "verdict", report.verdict },
        { "vm_problem", kvm_problem(facts.kvm) },
        { "checks", checks },
        { "kvm",
            { { "access", access_name(facts.kvm.access) }, { "open_error", facts.kvm.open_error },
                { "modules", facts.kvm.modules }, { "capabilities", capabilities },
                { "max_vcpus", facts.kvm.max_vcpus },
                { "hyperv_cpuid_problem", facts.kvm.hyperv_cpuid_problem } } },
        { "cgroup",
            { { "root", cgroup_root }, { "layout", layout_name(facts.cgroup.layout) },
                { "controllers", facts.cgroup.controllers } } },
        { "root", facts.root },
        { "tun", facts.tun_present },
        { "thp", facts.thp_mode },
    };
    return document.dump(2) + "\n";
}

} // namespace vmm::host
