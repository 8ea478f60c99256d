// SPDX-License-Identifier: Apache-2.0
// User-facing sentences for BootError.
#include "vmm/boot/boot_error.h"

#include <fmt/core.h>

namespace vmm {

std::string BootError::message() const
{
    switch (code) {
    case BootErrc::NotAKernel:
        return "not a Linux kernel (neither bzImage nor ELF vmlinux)";
    case BootErrc::Truncated:
        return fmt::format("kernel image is truncated: the file has {} bytes, its headers "
                           "describe at least {}",
            value, limit);
    case BootErrc::ProtocolTooOld:
        return fmt::format("bzImage boot protocol too old (version {}.{:02}; need 2.12+ for "
                           "64-bit entry)",
            value >> 8, value & 0xff);
    case BootErrc::Not64Bit:
        return "bzImage has no 64-bit entry point (XLF_KERNEL_64 is clear: a 32-bit kernel?)";
    case BootErrc::BadSetupHeader:
        return "bzImage setup header is malformed";
    case BootErrc::KernelTooLarge:
        return fmt::format("kernel does not fit in guest memory (it needs memory up to {:#x}; "
                           "guest RAM below 3 GiB ends at {:#x})",
            value, limit);
    case BootErrc::ElfNotX86_64:
        return "ELF kernel is not x86-64";
    case BootErrc::ElfNotExecutable:
        return "ELF kernel is not an executable (e_type is not ET_EXEC)";
    case BootErrc::ElfBadProgramHeaders:
        return "ELF program header table is malformed";
    case BootErrc::ElfSegmentOutsideFile:
        return "ELF segment outside the file";
    case BootErrc::ElfSegmentBadSize:
        return "ELF segment has more file bytes than memory bytes";
    case BootErrc::ElfSegmentInLowMemory:
        return fmt::format("ELF segment at {:#x} overlaps the boot data below {:#x}", value, limit);
    case BootErrc::ElfSegmentsOverlap:
        return fmt::format("ELF segments overlap (at {:#x})", value);
    case BootErrc::ElfNoLoadableSegment:
        return "ELF kernel has no loadable segment";
    case BootErrc::ElfEntryOutsideImage:
        return fmt::format("ELF entry point {:#x} is not inside a loaded segment", value);
    case BootErrc::InitrdDoesNotFit:
        return fmt::format("guest memory too small for kernel plus initramfs (initramfs is {} "
                           "bytes; {} bytes are free above the kernel)",
            value, limit);
    case BootErrc::CmdlineTooLong:
        return fmt::format(
            "kernel command line is {} bytes; this kernel accepts at most {}", value, limit);
    case BootErrc::CmdlineHasNul:
        return fmt::format("kernel command line contains a NUL byte at offset {}", value);
    case BootErrc::TooManyE820Entries:
        return fmt::format(
            "memory map needs {} e820 entries; the zero page holds {}", value, limit);
    case BootErrc::BadMemoryLayout:
        return "guest memory does not start at address 0";
    case BootErrc::GuestMemory:
        return "writing boot data to guest memory: " + cause.message();
    }
    return "unknown boot error";
}

} // namespace vmm
