// SPDX-License-Identifier: Apache-2.0
// A KVM vCPU fd and its kvm_run mapping. One method per ioctl, no policy. Owned by its vCPU
// thread; only set_immediate_exit() may be called from another thread.
#pragma once
#include "base/mapping.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "vmm/kvm/cpuid_entry.h"

#include <cstdint>
#include <span>
#include <utility>

struct kvm_run;
struct kvm_regs;
struct kvm_sregs;
struct kvm_fpu;
struct kvm_lapic_state;

namespace vmm {

struct MsrValue {
    uint32_t index;
    uint64_t value;
};

class VcpuFd {
public:
    VcpuFd(UniqueFd fd, Mapping run, uint32_t id)
        : m_fd(std::move(fd))
        , m_run(std::move(run))
        , m_id(id)
    {
    }

    /// KVM_RUN. Returns Errc::System with EINTR when a signal kicked the vCPU out.
    Result<void> run();
    /// The shared kvm_run structure describing the last exit.
    kvm_run& run_state() const { return *m_run.as<kvm_run>(); }
    /// Makes the next (or current, after a signal) KVM_RUN return at once with EINTR.
    void set_immediate_exit(bool on);

    Result<void> get_regs(kvm_regs&) const;
    Result<void> set_regs(const kvm_regs&);
    Result<void> get_sregs(kvm_sregs&) const;
    Result<void> set_sregs(const kvm_sregs&);
    Result<void> set_fpu(const kvm_fpu&);
    Result<void> get_lapic(kvm_lapic_state&) const;
    Result<void> set_lapic(const kvm_lapic_state&);
    Result<void> set_cpuid(const CpuidTable& table);
    Result<void> set_msrs(std::span<const MsrValue> msrs);
    /// KVM_ENABLE_CAP on this vCPU with args[0] = arg.
    Result<void> enable_cap(uint32_t capability, uint64_t arg = 0);
    /// KVM_GET_STATS_FD: this vCPU's binary statistics (exit counts by reason).
    Result<UniqueFd> stats_fd() const;

    uint32_t id() const { return m_id; }
    int fd() const { return m_fd.get(); }

private:
    UniqueFd m_fd;
    Mapping m_run;
    uint32_t m_id;
};

} // namespace vmm
