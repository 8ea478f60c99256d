// SPDX-License-Identifier: Apache-2.0
// Loads a Linux x86-64 kernel into guest memory for the 64-bit boot protocol
// (Documentation/x86/boot.rst, "64-bit Boot Protocol"): a bzImage's protected-mode part, or the
// PT_LOAD segments of an uncompressed ELF vmlinux. The image bytes come from the user's file and
// are treated as hostile: every header field is bounds- and overflow-checked before use.
#pragma once
#include "guestmem/guest_memory.h"
#include "vmm/boot/boot_error.h"
#include "vmm/boot/boot_params.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace vmm {

enum class KernelFormat { BzImage, Elf };

/// Where a bzImage's protected-mode part goes: the documented bzImage address (LOADED_HIGH).
constexpr uint64_t bzimage_load_address = 0x100000;
/// x86 COMMAND_LINE_SIZE (arch/x86/include/asm/setup.h), including the NUL.
constexpr uint32_t x86_command_line_size = 2048;
/// The initrd ceiling a 64-bit bzImage advertises (header.S), used for ELF kernels too.
constexpr uint64_t default_initrd_addr_max = 0x7fffffff;

/// The result of loading a kernel: everything the later boot steps need to know about it.
struct LoadedKernel {
    KernelFormat format { KernelFormat::BzImage };
    /// First guest-physical byte the image was copied to.
    GuestAddress start;
    /// The 64-bit entry point: start + 0x200 for a bzImage, e_entry for ELF.
    GuestAddress entry;
    /// First byte past everything the kernel claims before it reads the e820 map. For a bzImage
    /// that includes the init_size area it decompresses into, so an initrd placed at or above
    /// `end` is never overwritten.
    GuestAddress end;
    /// The bzImage's setup header (the part its jump byte declares; the rest zero), or a
    /// synthesized header for ELF. The zero page starts from this copy.
    SetupHeader header {};
    /// The longest command line the kernel accepts, in bytes, not counting the NUL.
    uint32_t cmdline_limit { 0 };
    /// The highest guest-physical byte an initrd may occupy (inclusive, as in the protocol).
    uint64_t initrd_addr_max { 0 };
};

/// Detects the format of `image` and loads it. Fails with BootErrc::NotAKernel when the bytes
/// are neither a bzImage nor an ELF file. On failure guest memory may hold part of the image.
BootResult<LoadedKernel> load_kernel(GuestMemory& memory, std::span<const std::byte> image);

/// True if `image` starts with a bzImage setup header (boot_flag 0xaa55 and "HdrS").
bool is_bzimage(std::span<const std::byte> image);
/// True if `image` starts with the ELF magic.
bool is_elf(std::span<const std::byte> image);

/// Loads a bzImage (protocol 2.12+, XLF_KERNEL_64) at bzimage_load_address.
BootResult<LoadedKernel> load_bzimage(GuestMemory& memory, std::span<const std::byte> image);
/// Loads an ELF64 x86-64 ET_EXEC vmlinux at its segments' physical addresses (p_paddr).
BootResult<LoadedKernel> load_elf_kernel(GuestMemory& memory, std::span<const std::byte> image);

/// The end of guest RAM below the 32-bit MMIO hole (the first region's end), where the kernel,
/// the initrd and every boot structure must live so the boot page tables map them.
uint64_t low_memory_end(const GuestMemory& memory);

} // namespace vmm
