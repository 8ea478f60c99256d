// SPDX-License-Identifier: Apache-2.0
// The /dev/kvm system fd: API version, capabilities, supported CPUID. One method per ioctl, no
// policy.
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"
#include "vmm/kvm/cpuid_entry.h"

namespace vmm {

class VmFd;

class Kvm {
public:
    /// Opens `path` (normally /dev/kvm) and checks the stable API version.
    static Result<Kvm> open(const char* path = "/dev/kvm");

    /// KVM_CHECK_EXTENSION: 0 when absent, else a capability-specific positive value.
    int check_extension(int capability) const;
    /// Size of the kvm_run mapping every vCPU fd exposes.
    Result<size_t> vcpu_mmap_size() const;
    /// The most vCPUs one VM may have on this host.
    uint32_t max_vcpus() const;
    Result<CpuidTable> supported_cpuid() const;
    /// What KVM can back of the Hyper-V leaves; never expose it verbatim (vendor "Linux KVM Hv").
    Result<CpuidTable> supported_hv_cpuid() const;
    Result<VmFd> create_vm() const;

    int fd() const { return m_fd.get(); }

private:
    explicit Kvm(UniqueFd fd)
        : m_fd(std::move(fd))
    {
    }
    UniqueFd m_fd;
};

} // namespace vmm
