// SPDX-License-Identifier: Apache-2.0
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/cpuid_conversion.h"
#include "vmm/kvm/vm_fd.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

namespace vmm {

namespace {

// KVM answers E2BIG when the buffer is too small; this is far above any real table.
constexpr uint32_t max_cpuid_entries = 256;

Result<CpuidTable> get_cpuid(int fd, unsigned long request, const char* what)
{
    KvmCpuidBuffer buffer(max_cpuid_entries);
    buffer.set_header({ .nent = max_cpuid_entries, .padding = 0 });
    if (::ioctl(fd, request, buffer.data()) < 0) {
        return Error::from_errno(what);
    }
    return from_kvm_cpuid(buffer);
}

} // namespace

Result<Kvm> Kvm::open(const char* path)
{
    UniqueFd fd(::open(path, O_RDWR | O_CLOEXEC));
    if (!fd.valid()) {
        return Error::from_errno("opening /dev/kvm");
    }
    if (::ioctl(fd.get(), KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        return Error::unsupported("/dev/kvm speaks an unexpected KVM API version");
    }
    return Kvm(std::move(fd));
}

int Kvm::check_extension(int capability) const
{
    int value = ::ioctl(m_fd.get(), KVM_CHECK_EXTENSION, capability);
    return value < 0 ? 0 : value;
}

Result<size_t> Kvm::vcpu_mmap_size() const
{
    int size = ::ioctl(m_fd.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size <= 0) {
        return Error::from_errno("KVM_GET_VCPU_MMAP_SIZE");
    }
    return static_cast<size_t>(size);
}

uint32_t Kvm::max_vcpus() const
{
    // KVM_CAP_MAX_VCPUS is the hard limit; old kernels only report the recommended NR_VCPUS.
    int max = check_extension(KVM_CAP_MAX_VCPUS);
    if (max <= 0) {
        max = check_extension(KVM_CAP_NR_VCPUS);
    }
    return max > 0 ? static_cast<uint32_t>(max) : 4;
}

Result<CpuidTable> Kvm::supported_cpuid() const
{
    return get_cpuid(m_fd.get(), kvm_abi::GET_SUPPORTED_CPUID, "KVM_GET_SUPPORTED_CPUID");
}

Result<CpuidTable> Kvm::supported_hv_cpuid() const
{
    return get_cpuid(m_fd.get(), kvm_abi::GET_SUPPORTED_HV_CPUID, "KVM_GET_SUPPORTED_HV_CPUID");
}

Result<VmFd> Kvm::create_vm() const
{
    // Type 0: the default VM type on x86.
    UniqueFd vm(::ioctl(m_fd.get(), KVM_CREATE_VM, 0));
    if (!vm.valid()) {
        return Error::from_errno("KVM_CREATE_VM");
    }
    return VmFd(std::move(vm), TRY(vcpu_mmap_size()));
}

} // namespace vmm
