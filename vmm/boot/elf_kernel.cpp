// SPDX-License-Identifier: Apache-2.0
// Uncompressed ELF vmlinux loading: each PT_LOAD segment goes to its physical address (p_paddr),
// its p_memsz - p_filesz tail is zeroed, and the entry point is e_entry, which an x86-64 vmlinux
// links as the physical address of startup_64 (ENTRY(phys_startup_64) in vmlinux.lds.S).
// Every segment is validated before the first byte is copied.
#include "vmm/boot/kernel_loader.h"
#include "vmm/layout/layout.h"

#include <algorithm>
#include <cstring>
#include <elf.h>
#include <limits>
#include <vector>

namespace vmm {

namespace {

// A vmlinux has about five program headers; the cap bounds the work a hostile file can ask for.
constexpr uint16_t max_program_headers = 64;
constexpr uint16_t elf_boot_protocol_version = 0x020f; // What a 6.x bzImage would report.
constexpr uint8_t root_rdonly = 1; // header.S's default ROOT_RDONLY.

/// a + b, or all ones where the sum would wrap: only for reporting a too-large end.
constexpr uint64_t saturating_add(uint64_t a, uint64_t b)
{
    return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                        : a + b;
}

struct LoadSegment {
    uint64_t paddr { 0 };
    uint64_t offset { 0 };
    uint64_t filesz { 0 };
    uint64_t memsz { 0 };
};

BootResult<Elf64_Ehdr> read_elf_header(std::span<const std::byte> image)
{
    Elf64_Ehdr ehdr;
    if (image.size() < sizeof(ehdr)) {
        return BootError(BootErrc::Truncated, image.size(), sizeof(ehdr));
    }
    // SAFETY: the image holds at least sizeof(ehdr) bytes (checked above); Elf64_Ehdr is a
    // trivially copyable C struct, so any byte pattern is a valid value.
    std::memcpy(&ehdr, image.data(), sizeof(ehdr));
    if (ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_ident[EI_DATA] != ELFDATA2LSB
        || ehdr.e_machine != EM_X86_64) {
        return BootError(BootErrc::ElfNotX86_64);
    }
    if (ehdr.e_type != ET_EXEC) {
        return BootError(BootErrc::ElfNotExecutable);
    }
    if (ehdr.e_phentsize != sizeof(Elf64_Phdr) || ehdr.e_phnum == 0
        || ehdr.e_phnum > max_program_headers) {
        return BootError(BootErrc::ElfBadProgramHeaders);
    }
    // e_phnum <= 64, so the table size cannot overflow; compare without adding to e_phoff.
    const uint64_t table_size = uint64_t { ehdr.e_phnum } * sizeof(Elf64_Phdr);
    if (ehdr.e_phoff > image.size() || table_size > image.size() - ehdr.e_phoff) {
        return BootError(BootErrc::ElfBadProgramHeaders);
    }
    return ehdr;
}

/// Checks one PT_LOAD header against the file and partvm's low-memory boot data.
BootResult<LoadSegment> check_segment(const Elf64_Phdr& phdr, uint64_t file_size)
{
    if (phdr.p_filesz > phdr.p_memsz) {
        return BootError(BootErrc::ElfSegmentBadSize);
    }
    if (phdr.p_offset > file_size || phdr.p_filesz > file_size - phdr.p_offset) {
        return BootError(BootErrc::ElfSegmentOutsideFile);
    }
    // Below 1 MiB live the zero page, command line, page tables and ACPI tables.
    if (phdr.p_paddr < layout::high_memory_start) {
        return BootError(BootErrc::ElfSegmentInLowMemory, phdr.p_paddr, layout::high_memory_start);
    }
    return LoadSegment { phdr.p_paddr, phdr.p_offset, phdr.p_filesz, phdr.p_memsz };
}

/// Reads and checks every non-empty PT_LOAD; returns them sorted by address, none overlapping.
BootResult<std::vector<LoadSegment>> read_segments(
    std::span<const std::byte> image, const Elf64_Ehdr& ehdr, uint64_t ram_end)
{
    std::vector<LoadSegment> segments;
    uint64_t image_end = 0; // Saturates instead of wrapping, so a hostile p_paddr cannot hide.
    for (uint16_t i = 0; i < ehdr.e_phnum; ++i) {
        Elf64_Phdr phdr;
        // SAFETY: read_elf_header proved e_phoff + e_phnum * sizeof(phdr) <= image.size().
        std::memcpy(&phdr, image.data() + ehdr.e_phoff + i * sizeof(phdr), sizeof(phdr));
        if (phdr.p_type != PT_LOAD || phdr.p_memsz == 0) {
            continue;
        }
        segments.push_back(TRY(check_segment(phdr, image.size())));
        image_end = std::max(image_end, saturating_add(phdr.p_paddr, phdr.p_memsz));
    }
    if (segments.empty()) {
        return BootError(BootErrc::ElfNoLoadableSegment);
    }
    if (image_end > ram_end) {
        return BootError(BootErrc::KernelTooLarge, image_end, ram_end);
    }
    std::sort(segments.begin(), segments.end(),
        [](const LoadSegment& a, const LoadSegment& b) { return a.paddr < b.paddr; });
    // Overlapping segments would let one overwrite another; rejecting them also bounds the
    // bytes copied and zeroed to the size of guest RAM. No sum overflows: all end <= ram_end.
    for (size_t i = 1; i < segments.size(); ++i) {
        if (segments[i].paddr < segments[i - 1].paddr + segments[i - 1].memsz) {
            return BootError(BootErrc::ElfSegmentsOverlap, segments[i].paddr);
        }
    }
    return segments;
}

bool entry_is_loaded(const std::vector<LoadSegment>& segments, uint64_t entry)
{
    return std::any_of(segments.begin(), segments.end(),
        [entry](const LoadSegment& s) { return entry >= s.paddr && entry - s.paddr < s.filesz; });
}

/// The header a bzImage of the same kernel would carry, for the fields the kernel reads.
SetupHeader synthesize_header()
{
    SetupHeader header {};
    header.root_flags = root_rdonly;
    header.boot_flag = BOOT_FLAG_MAGIC;
    header.header = HDRS_MAGIC;
    header.version = elf_boot_protocol_version;
    header.type_of_loader = LOADER_TYPE_UNDEFINED;
    header.loadflags = LOADED_HIGH; // True: the kernel sits above 1 MiB. No heap: no setup code.
    header.initrd_addr_max = static_cast<uint32_t>(default_initrd_addr_max);
    header.xloadflags = XLF_KERNEL_64;
    header.cmdline_size = x86_command_line_size - 1;
    return header;
}

} // namespace

BootResult<LoadedKernel> load_elf_kernel(GuestMemory& memory, std::span<const std::byte> image)
{
    const Elf64_Ehdr ehdr = TRY(read_elf_header(image));
    const auto segments = TRY(read_segments(image, ehdr, low_memory_end(memory)));
    if (!entry_is_loaded(segments, ehdr.e_entry)) {
        return BootError(BootErrc::ElfEntryOutsideImage, ehdr.e_entry);
    }
    for (const auto& segment : segments) {
        TRY(memory.write(
            GuestAddress(segment.paddr), image.subspan(segment.offset, segment.filesz)));
        TRY(memory.fill(GuestAddress(segment.paddr + segment.filesz),
            segment.memsz - segment.filesz, std::byte { 0 }));
    }

    LoadedKernel kernel;
    kernel.format = KernelFormat::Elf;
    kernel.start = GuestAddress(segments.front().paddr);
    kernel.entry = GuestAddress(ehdr.e_entry);
    kernel.end = GuestAddress(segments.back().paddr + segments.back().memsz);
    kernel.header = synthesize_header();
    kernel.cmdline_limit = x86_command_line_size - 1;
    kernel.initrd_addr_max = default_initrd_addr_max;
    return kernel;
}

} // namespace vmm
