// SPDX-License-Identifier: Apache-2.0
// The error type of the direct-boot module. A kernel image, initramfs and command line come from
// the user, so every failure must say what is wrong in words a user can act on, often with the
// numbers involved ("command line is 3000 bytes; this kernel accepts at most 2047").
#pragma once
#include "base/error.h"
#include "base/result.h"

#include <cstdint>
#include <string>

namespace vmm {

enum class BootErrc {
    NotAKernel, // Neither bzImage magic nor ELF magic.
    Truncated, // value: file size; limit: bytes the headers claim.
    ProtocolTooOld, // value: the bzImage's protocol version.
    Not64Bit, // bzImage without XLF_KERNEL_64.
    BadSetupHeader, // Setup header fields that cannot be right (alignment, length).
    KernelTooLarge, // value: end of what the kernel needs; limit: end of low RAM.
    ElfNotX86_64, // Class, byte order or machine is not x86-64.
    ElfNotExecutable, // e_type is not ET_EXEC.
    ElfBadProgramHeaders, // e_phentsize, e_phnum or the table's placement is wrong.
    ElfSegmentOutsideFile, // p_offset + p_filesz runs past the file (or overflows).
    ElfSegmentBadSize, // p_filesz > p_memsz.
    ElfSegmentInLowMemory, // value: p_paddr; limit: 1 MiB, where partvm's boot data ends.
    ElfSegmentsOverlap, // value: p_paddr of the second segment.
    ElfNoLoadableSegment, // No PT_LOAD with a non-zero size.
    ElfEntryOutsideImage, // value: e_entry.
    InitrdDoesNotFit, // value: initramfs size; limit: bytes free above the kernel.
    CmdlineTooLong, // value: length; limit: what the kernel accepts (both without NUL).
    CmdlineHasNul, // value: offset of the first NUL byte.
    TooManyE820Entries, // value: entries needed; limit: 128.
    BadMemoryLayout, // GuestMemory's first region does not start at 0.
    GuestMemory, // A GuestMemory access failed; `cause` says which.
};

/// What went wrong while preparing a direct boot. Never allocates until message() is called.
struct BootError {
    BootErrc code { BootErrc::NotAKernel };
    uint64_t value { 0 }; ///< The offending number, when the code's comment names one.
    uint64_t limit { 0 }; ///< The bound it broke, when the code's comment names one.
    Error cause {}; ///< Set for BootErrc::GuestMemory.

    BootError() = default;
    constexpr BootError(BootErrc c, uint64_t v = 0, uint64_t l = 0)
        : code(c)
        , value(v)
        , limit(l)
    {
    }
    /// Lets TRY() forward GuestMemory failures out of functions returning BootResult.
    explicit BootError(Error error)
        : code(BootErrc::GuestMemory)
        , cause(error)
    {
    }

    /// One user-facing sentence, numbers included. Allocates; call only to report.
    std::string message() const;
};

template<class T> using BootResult = Result<T, BootError>;

} // namespace vmm
