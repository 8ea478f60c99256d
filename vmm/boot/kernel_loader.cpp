// SPDX-License-Identifier: Apache-2.0
// Kernel format detection and dispatch; the formats live in bzimage.cpp and elf_kernel.cpp.
#include "vmm/boot/kernel_loader.h"

#include "base/bytes.h"

#include <cstring>
#include <elf.h>

namespace vmm {

bool is_bzimage(std::span<const std::byte> image)
{
    constexpr size_t header_magic_end = offsetof(SetupHeader, header) + setup_header_offset + 4;
    if (image.size() < header_magic_end) {
        return false;
    }
    const auto boot_flag
        = load_le<uint16_t>(image, setup_header_offset + offsetof(SetupHeader, boot_flag));
    const auto magic
        = load_le<uint32_t>(image, setup_header_offset + offsetof(SetupHeader, header));
    return boot_flag == BOOT_FLAG_MAGIC && magic == HDRS_MAGIC;
}

bool is_elf(std::span<const std::byte> image)
{
    // SAFETY: memcmp reads SELFMAG bytes, and the size check comes first.
    return image.size() >= SELFMAG && std::memcmp(image.data(), ELFMAG, SELFMAG) == 0;
}

BootResult<LoadedKernel> load_kernel(GuestMemory& memory, std::span<const std::byte> image)
{
    // A file could carry both magics; the bzImage check wins because it is the more specific
    // one (two fields at fixed offsets against four leading bytes).
    if (is_bzimage(image)) {
        return load_bzimage(memory, image);
    }
    if (is_elf(image)) {
        return load_elf_kernel(memory, image);
    }
    return BootError(BootErrc::NotAKernel);
}

uint64_t low_memory_end(const GuestMemory& memory)
{
    const auto& regions = memory.regions();
    if (regions.empty() || regions.front().guest_base != GuestAddress(0)) {
        return 0;
    }
    return regions.front().size;
}

} // namespace vmm
