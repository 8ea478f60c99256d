// SPDX-License-Identifier: Apache-2.0
#include "vmm/vm/host_probe.h"

#include "vmm/hyperv/hv_cpuid.h"
#include "vmm/kvm/capabilities.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace vmm::host {

namespace {

/// The KVM vendor modules loaded: /sys/module/kvm_* (kvm_intel, kvm_amd, kvm_pvm...).
std::vector<std::string> kvm_modules()
{
    std::vector<std::string> modules;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/sys/module", error)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("kvm_")) {
            modules.push_back(name);
        }
    }
    std::sort(modules.begin(), modules.end());
    return modules;
}

/// The bracketed choice of "always [madvise] never"; empty when the file is absent.
std::string thp_mode()
{
    std::ifstream file("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string word;
    while (file >> word) {
        if (word.size() > 2 && word.front() == '[' && word.back() == ']') {
            return word.substr(1, word.size() - 2);
        }
    }
    return {};
}

bool is_char_device(const char* path)
{
    struct stat st { };
    return ::stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

} // namespace

std::vector<CapabilityAnswer> capability_answers(const Kvm& kvm)
{
    std::vector<CapabilityAnswer> answers;
    for (const KvmCapability& cap : query_capabilities(kvm)) {
        answers.push_back({ .name = cap.name,
            .used_for = cap.used_for,
            .need = cap.required ? CapabilityNeed::Required : CapabilityNeed::Optional,
            .value = cap.value });
    }
    return answers;
}

KvmFacts kvm_facts(const Kvm& kvm)
{
    KvmFacts facts;
    facts.access = KvmAccess::Usable;
    facts.modules = kvm_modules();
    facts.capabilities = capability_answers(kvm);
    facts.max_vcpus = kvm.max_vcpus();
    auto supported = kvm.supported_hv_cpuid();
    if (!supported) {
        facts.hyperv_cpuid_problem = supported.error().message();
    } else if (auto leaves = hyperv::compose_hv_cpuid(*supported, 1); !leaves) {
        facts.hyperv_cpuid_problem = leaves.error().message();
    }
    return facts;
}

KvmFacts probe_kvm(const char* path)
{
    auto kvm = Kvm::open(path);
    if (kvm) {
        return kvm_facts(*kvm);
    }
    KvmFacts facts;
    facts.modules = kvm_modules();
    const Error& error = kvm.error();
    facts.open_error = std::strerror(error.sys_errno);
    if (error.code != Errc::System) {
        facts.access = KvmAccess::WrongApiVersion;
    } else if (error.sys_errno == ENOENT || error.sys_errno == ENXIO || error.sys_errno == ENODEV) {
        facts.access = KvmAccess::Missing;
    } else if (error.sys_errno == EACCES || error.sys_errno == EPERM) {
        facts.access = KvmAccess::Denied;
    } else {
        facts.access = KvmAccess::OpenFailed;
    }
    return facts;
}

HostFacts probe_host()
{
    HostFacts facts;
    facts.kvm = probe_kvm();
    facts.cgroup = jail::probe_cgroup();
    facts.root = ::geteuid() == 0;
    facts.tun_present = is_char_device("/dev/net/tun");
    facts.thp_mode = thp_mode();
    return facts;
}

} // namespace vmm::host
