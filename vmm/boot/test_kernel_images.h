// SPDX-License-Identifier: Apache-2.0
// Builds small synthetic kernel images for the boot tests and the fuzz seeds: a bzImage with a
// plausible setup header, and an ELF64 file with chosen program headers. Test-only; never linked
// into partvm_boot.
#pragma once
#include "base/bytes.h"
#include "vmm/boot/boot_params.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <elf.h>
#include <optional>
#include <vector>

namespace vmm::test {

/// Byte i of every generated payload, so tests can tell where copied bytes came from.
inline std::byte pattern_byte(size_t i)
{
    return static_cast<std::byte>((i * 7 + 3) & 0xff);
}

struct FakeBzImage {
    uint8_t setup_sects { 1 };
    uint16_t version { 0x020f };
    uint8_t loadflags { LOADED_HIGH };
    uint16_t xloadflags { XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G };
    int8_t jump_offset { 0x6a }; // Header runs to 0x26c, the full 2.15 header.
    uint32_t cmdline_size { 2047 };
    uint32_t initrd_addr_max { 0x7fffffff };
    uint32_t kernel_alignment { 0x200000 };
    uint8_t relocatable_kernel { 1 };
    uint64_t pref_address { 0x1000000 };
    uint32_t init_size { 0x100000 };
    uint64_t setup_data { 0 };
    size_t payload_size { 4096 };
};

inline std::vector<std::byte> build_bzimage(const FakeBzImage& spec)
{
    const size_t setup_sects = spec.setup_sects == 0 ? 4 : spec.setup_sects;
    const size_t payload_offset = (setup_sects + 1) * 512;
    std::vector<std::byte> image(payload_offset + spec.payload_size);
    SetupHeader header {};
    header.setup_sects = spec.setup_sects;
    header.boot_flag = BOOT_FLAG_MAGIC;
    header.jump = static_cast<uint16_t>(0xeb | (static_cast<uint8_t>(spec.jump_offset) << 8));
    header.header = HDRS_MAGIC;
    header.version = spec.version;
    header.loadflags = spec.loadflags;
    header.code32_start = 0x100000;
    header.initrd_addr_max = spec.initrd_addr_max;
    header.kernel_alignment = spec.kernel_alignment;
    header.relocatable_kernel = spec.relocatable_kernel;
    header.xloadflags = spec.xloadflags;
    header.cmdline_size = spec.cmdline_size;
    header.setup_data = spec.setup_data;
    header.pref_address = spec.pref_address;
    header.init_size = spec.init_size;
    header.kernel_info_offset = 0x1234; // Must not survive a short jump_offset.
    // SAFETY: the image is at least 1024 bytes and the header ends at 0x26c.
    std::memcpy(image.data() + setup_header_offset, &header, sizeof(header));
    for (size_t i = 0; i < spec.payload_size; ++i) {
        image[payload_offset + i] = pattern_byte(i);
    }
    return image;
}

struct FakeSegment {
    uint64_t paddr { 0x1000000 };
    uint64_t filesz { 0x1000 };
    uint64_t memsz { 0x1000 };
    uint32_t type { PT_LOAD };
    /// When set, p_offset is this value and no bytes are appended (for hostile headers).
    std::optional<uint64_t> raw_offset {};
};

struct FakeElf {
    uint8_t elf_class { ELFCLASS64 };
    uint16_t machine { EM_X86_64 };
    uint16_t type { ET_EXEC };
    uint64_t entry { 0x1000000 };
    std::vector<FakeSegment> segments { FakeSegment {} };
    std::optional<uint16_t> phnum_override {};
};

inline std::vector<std::byte> build_elf(const FakeElf& spec)
{
    const size_t phoff = sizeof(Elf64_Ehdr);
    std::vector<std::byte> image(phoff + spec.segments.size() * sizeof(Elf64_Phdr));
    Elf64_Ehdr ehdr {};
    // SAFETY: e_ident has EI_NIDENT (16) bytes; the magic is SELFMAG (4).
    std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
    ehdr.e_ident[EI_CLASS] = spec.elf_class;
    ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
    ehdr.e_ident[EI_VERSION] = EV_CURRENT;
    ehdr.e_type = spec.type;
    ehdr.e_machine = spec.machine;
    ehdr.e_version = EV_CURRENT;
    ehdr.e_entry = spec.entry;
    ehdr.e_phoff = phoff;
    ehdr.e_ehsize = sizeof(Elf64_Ehdr);
    ehdr.e_phentsize = sizeof(Elf64_Phdr);
    ehdr.e_phnum = spec.phnum_override.value_or(static_cast<uint16_t>(spec.segments.size()));
    // SAFETY: image holds the ELF header and every program header written below.
    std::memcpy(image.data(), &ehdr, sizeof(ehdr));
    for (size_t i = 0; i < spec.segments.size(); ++i) {
        const FakeSegment& segment = spec.segments[i];
        Elf64_Phdr phdr {};
        phdr.p_type = segment.type;
        phdr.p_flags = PF_R | PF_X;
        phdr.p_offset = segment.raw_offset.value_or(image.size());
        phdr.p_vaddr = 0xffffffff80000000ull + segment.paddr;
        phdr.p_paddr = segment.paddr;
        phdr.p_filesz = segment.filesz;
        phdr.p_memsz = segment.memsz;
        phdr.p_align = 0x1000;
        std::memcpy(image.data() + phoff + i * sizeof(phdr), &phdr, sizeof(phdr));
        if (!segment.raw_offset) {
            for (size_t j = 0; j < segment.filesz; ++j) {
                image.push_back(pattern_byte(j));
            }
        }
    }
    return image;
}

} // namespace vmm::test
