// SPDX-License-Identifier: Apache-2.0
#include "vmm/arch/x86_64/boot_regs.h"
#include "vmm/kvm/vcpu_fd.h"
#include "vmm/layout/layout.h"

#include <array>
#include <linux/kvm.h>

namespace vmm {

namespace {

constexpr uint64_t pte_present = 1u << 0;
constexpr uint64_t pte_writable = 1u << 1;
constexpr uint64_t pte_huge = 1u << 7;

constexpr uint64_t cr0_pe = 1u << 0;
constexpr uint64_t cr0_et = 1u << 4;
constexpr uint64_t cr0_pg = 1u << 31;
constexpr uint64_t cr4_pae = 1u << 5;
constexpr uint64_t efer_lme = 1u << 8;
constexpr uint64_t efer_lma = 1u << 10;

// GDT descriptors: flags/access in the x86 packing, base 0, limit 0xfffff with 4 KiB granularity.
constexpr uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
    return ((uint64_t(base) & 0xff000000u) << 32) | ((uint64_t(flags) & 0xf0ffu) << 40)
        | ((uint64_t(limit) & 0x000f0000u) << 32) | ((uint64_t(base) & 0x00ffffffu) << 16)
        | (uint64_t(limit) & 0x0000ffffu);
}

constexpr std::array<uint64_t, 5> boot_gdt = {
    0, 0, gdt_entry(0xa09b, 0, 0xfffff), // 0x10 __BOOT_CS: 64-bit code, execute/read.
    gdt_entry(0xc093, 0, 0xfffff), // 0x18 __BOOT_DS: flat data, read/write.
    gdt_entry(0x808b, 0, 0xfffff), // 0x20 TSS: KVM insists on a usable TR in long mode.
};

kvm_segment segment_from_gdt(uint16_t selector)
{
    const uint64_t entry = boot_gdt[selector / 8];
    kvm_segment segment {};
    segment.selector = selector;
    segment.base = 0;
    segment.limit = 0xffffffff; // Limit 0xfffff in 4 KiB pages.
    segment.type = (entry >> 40) & 0xf;
    segment.s = (entry >> 44) & 1;
    segment.dpl = (entry >> 45) & 3;
    segment.present = (entry >> 47) & 1;
    segment.avl = (entry >> 52) & 1;
    segment.l = (entry >> 53) & 1;
    segment.db = (entry >> 54) & 1;
    segment.g = (entry >> 55) & 1;
    return segment;
}

} // namespace

Result<void> write_boot_structures(GuestMemory& memory)
{
    TRY(memory.write(GuestAddress(layout::gdt_start), std::as_bytes(std::span(boot_gdt))));

    // One PML4 entry -> one PDPT whose first four entries -> four PDs of 2 MiB pages: 4 GiB.
    TRY(memory.write_obj<uint64_t>(
        GuestAddress(layout::pml4_start), layout::pdpte_start | pte_present | pte_writable));
    for (uint64_t pd = 0; pd < 4; ++pd) {
        const uint64_t pd_address = layout::pde_start + pd * page_size;
        TRY(memory.write_obj<uint64_t>(
            GuestAddress(layout::pdpte_start + pd * 8), pd_address | pte_present | pte_writable));
        std::array<uint64_t, 512> entries;
        for (uint64_t i = 0; i < entries.size(); ++i) {
            entries[i] = ((pd * 512 + i) << 21) | pte_present | pte_writable | pte_huge;
        }
        TRY(memory.write(GuestAddress(pd_address), std::as_bytes(std::span(entries))));
    }
    return {};
}

Result<void> set_boot_registers(VcpuFd& vcpu, GuestAddress entry, GuestAddress boot_params)
{
    kvm_sregs sregs {};
    TRY(vcpu.get_sregs(sregs));
    sregs.gdt.base = layout::gdt_start;
    sregs.gdt.limit = sizeof(boot_gdt) - 1;
    sregs.idt.base = 0;
    sregs.idt.limit = 0; // Interrupts stay off until Linux loads its own IDT.
    sregs.cs = segment_from_gdt(boot_cs_selector);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = segment_from_gdt(boot_ds_selector);
    sregs.tr = segment_from_gdt(boot_tss_selector);
    sregs.cr3 = layout::pml4_start;
    sregs.cr4 |= cr4_pae;
    sregs.cr0 |= cr0_pe | cr0_pg | cr0_et;
    sregs.efer |= efer_lme | efer_lma;
    TRY(vcpu.set_sregs(sregs));

    kvm_regs regs {};
    regs.rflags = 0x2; // Bit 1 is reserved and always set; IF clear.
    regs.rip = entry.value;
    regs.rsi = boot_params.value;
    regs.rsp = layout::boot_stack_pointer;
    regs.rbp = layout::boot_stack_pointer;
    TRY(vcpu.set_regs(regs));

    kvm_fpu fpu {};
    fpu.fcw = 0x37f; // x87 default control word: all exceptions masked.
    fpu.mxcsr = 0x1f80; // SSE default: all exceptions masked.
    return vcpu.set_fpu(fpu);
}

} // namespace vmm
