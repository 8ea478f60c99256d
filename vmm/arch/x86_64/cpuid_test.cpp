// SPDX-License-Identifier: Apache-2.0
#include "vmm/arch/x86_64/cpuid.h"

#include <doctest/doctest.h>

using namespace vmm;

namespace {

CpuidTable sample_table()
{
    return {
        { .function = 0x1, .eax = 0x00a20f10, .ebx = 0x00000800, .ecx = 0, .edx = 0 },
        { .function = 0xb, .index = 0, .flags = 1, .eax = 1, .ebx = 1, .ecx = 0x100, .edx = 0 },
        { .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b },
        { .function = 0x40000001, .eax = 0x01007afb },
        { .function = 0x80000008, .ecx = 0x3007 },
    };
}

} // namespace

TEST_CASE("KVM's paravirt leaves are removed so Linux cannot pick KVM over Hyper-V")
{
    auto table = sample_table();
    remove_hypervisor_leaves(table);
    CHECK(find_leaf(table, 0x40000000) == nullptr);
    CHECK(find_leaf(table, 0x40000001) == nullptr);
    CHECK(table.size() == 3);
}

TEST_CASE("topology gives each vCPU its own APIC id and the package its CPU count")
{
    auto table = sample_table();
    apply_topology(table, { .vcpu_index = 1, .vcpu_count = 2, .tsc_deadline_timer = true });
    const auto* leaf1 = find_leaf(table, 0x1);
    REQUIRE(leaf1);
    CHECK((leaf1->ebx >> 24) == 1);
    CHECK(((leaf1->ebx >> 16) & 0xff) == 2);
    CHECK((leaf1->ebx & 0xffff) == 0x0800); // CLFLUSH size and brand index are kept.
    CHECK((leaf1->edx & (1u << 28)) != 0);
    CHECK(find_leaf(table, 0xb, 0)->edx == 1);
    CHECK((find_leaf(table, 0x80000008)->ecx & 0xff) == 1);
}

TEST_CASE("every vCPU is told it runs under a hypervisor and has a TSC-deadline timer")
{
    auto table = sample_table();
    apply_topology(table, { .vcpu_index = 0, .vcpu_count = 1, .tsc_deadline_timer = true });
    const auto* leaf1 = find_leaf(table, 0x1);
    CHECK((leaf1->ecx & (1u << 31)) != 0);
    CHECK((leaf1->ecx & (1u << 24)) != 0);
    CHECK((leaf1->edx & (1u << 28)) == 0);
}
