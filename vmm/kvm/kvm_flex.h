// SPDX-License-Identifier: Apache-2.0
// C layouts of the KVM structs that end in a flexible array. <linux/kvm.h> declares those arrays
// with __DECLARE_FLEX_ARRAY, whose empty struct is one byte in C++: sizeof(kvm_cpuid2) becomes 12
// instead of 8, which moves the entries and changes the ioctl numbers built from that size (KVM
// then answers EINVAL). These headers and ioctl numbers mirror the kernel's C view. Internal to
// vmm/kvm.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <linux/kvm.h>
#include <vector>

namespace vmm::kvm_abi {

struct Cpuid2Header {
    uint32_t nent;
    uint32_t padding;
    // struct kvm_cpuid_entry2 entries[] follows at offset 8.
};
static_assert(sizeof(Cpuid2Header) == 8);
static_assert(sizeof(kvm_cpuid_entry2) == 40);

struct MsrsHeader {
    uint32_t nmsrs;
    uint32_t pad;
    // struct kvm_msr_entry entries[] follows at offset 8.
};
static_assert(sizeof(MsrsHeader) == 8);
static_assert(sizeof(kvm_msr_entry) == 16);

struct IrqRoutingHeader {
    uint32_t nr;
    uint32_t flags;
    // struct kvm_irq_routing_entry entries[] follows at offset 8.
};
static_assert(sizeof(IrqRoutingHeader) == 8);
static_assert(sizeof(kvm_irq_routing_entry) == 48);

inline constexpr unsigned long GET_SUPPORTED_CPUID = _IOWR(KVMIO, 0x05, Cpuid2Header);
inline constexpr unsigned long GET_SUPPORTED_HV_CPUID = _IOWR(KVMIO, 0xc1, Cpuid2Header);
inline constexpr unsigned long SET_CPUID2 = _IOW(KVMIO, 0x90, Cpuid2Header);
inline constexpr unsigned long SET_MSRS = _IOW(KVMIO, 0x89, MsrsHeader);
inline constexpr unsigned long SET_GSI_ROUTING = _IOW(KVMIO, 0x6a, IrqRoutingHeader);

/// A header followed by `count` entries, laid out as the kernel expects, in one zeroed buffer.
template<class Header, class Entry> class FlexBuffer {
public:
    explicit FlexBuffer(size_t count)
        : m_bytes(sizeof(Header) + count * sizeof(Entry))
    {
    }
    void* data() { return m_bytes.data(); }
    Header header() const
    {
        Header header;
        std::memcpy(&header, m_bytes.data(), sizeof(header));
        return header;
    }
    void set_header(const Header& header) { std::memcpy(m_bytes.data(), &header, sizeof(header)); }
    Entry entry(size_t index) const
    {
        Entry entry;
        // SAFETY: index < count, so the entry lies inside the buffer sized in the constructor.
        std::memcpy(&entry, m_bytes.data() + sizeof(Header) + index * sizeof(Entry), sizeof(entry));
        return entry;
    }
    void set_entry(size_t index, const Entry& entry)
    {
        // SAFETY: as in entry().
        std::memcpy(m_bytes.data() + sizeof(Header) + index * sizeof(Entry), &entry, sizeof(entry));
    }

private:
    std::vector<std::byte> m_bytes;
};

} // namespace vmm::kvm_abi
