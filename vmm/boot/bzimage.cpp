// SPDX-License-Identifier: Apache-2.0
// bzImage loading for the 64-bit boot protocol (Documentation/x86/boot.rst): copy the setup
// header out of the image, check it describes a 64-bit kernel, and copy the protected-mode part,
// which starts after the (setup_sects + 1) real-mode sectors, to 1 MiB. The real-mode setup code
// is never run, so it is not loaded.
#include "vmm/boot/kernel_loader.h"
#include "vmm/layout/layout.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace vmm {

namespace {

constexpr uint16_t min_protocol_version = 0x020c; // 2.12: xloadflags and the 64-bit entry.
constexpr uint64_t sector_size = 512;
constexpr uint8_t default_setup_sects = 4; // "If this field is 0, the real value is 4."
constexpr uint64_t entry_64_offset = 0x200; // The 64-bit entry point, an ABI since 2.12.
constexpr size_t jump_offset_byte = 0x201; // Second byte of "jmp short" at 0x200.
constexpr size_t jump_base = 0x202; // The jump's offset is relative to this byte.
// The fields partvm relies on end with handover_offset (protocol 2.11); a header shorter than
// that cannot belong to a 2.12+ kernel.
constexpr size_t min_header_length = offsetof(SetupHeader, kernel_info_offset);

/// Copies the setup header out of the image. Only the bytes the header's own jump instruction
/// declares are copied (the protocol's "end of setup header = 0x0202 + byte at 0x0201"); the rest
/// of the struct stays zero, so setup code past a short header never reaches the zero page.
BootResult<SetupHeader> copy_setup_header(std::span<const std::byte> image)
{
    constexpr size_t full_header_end = setup_header_offset + sizeof(SetupHeader);
    if (image.size() < full_header_end) {
        return BootError(BootErrc::Truncated, image.size(), full_header_end);
    }
    const auto jump = static_cast<int8_t>(image[jump_offset_byte]); // A signed rel8 offset.
    const int64_t declared_length
        = static_cast<int64_t>(jump_base) + jump - static_cast<int64_t>(setup_header_offset);
    if (declared_length < static_cast<int64_t>(min_header_length)) {
        return BootError(BootErrc::BadSetupHeader);
    }
    const size_t length = std::min(static_cast<size_t>(declared_length), sizeof(SetupHeader));
    SetupHeader header {};
    // SAFETY: length <= sizeof(header), and setup_header_offset + length <= full_header_end <=
    // image.size() was checked above.
    std::memcpy(&header, image.data() + setup_header_offset, length);
    return header;
}

/// The first byte past the memory the kernel uses before it reads the e820 map: its compressed
/// image at the load address, and init_size bytes from where it decompresses itself to.
BootResult<uint64_t> footprint_end(const SetupHeader& header, uint64_t payload_size)
{
    // Where the decompressor runs the kernel (arch/x86/boot/compressed/head_64.S, startup_64):
    // a relocatable kernel at its load address rounded up to kernel_alignment but never below
    // LOAD_PHYSICAL_ADDR, which header.S publishes as pref_address; a fixed one at pref_address.
    uint64_t runtime_start = header.pref_address;
    if (header.relocatable_kernel != 0) {
        const uint64_t alignment = header.kernel_alignment;
        if (!std::has_single_bit(alignment)) {
            return BootError(BootErrc::BadSetupHeader);
        }
        const uint64_t aligned_load = (bzimage_load_address + alignment - 1) & ~(alignment - 1);
        runtime_start = std::max(aligned_load, runtime_start);
    }
    // A kernel that would decompress over the zero page and command line cannot boot.
    if (runtime_start < bzimage_load_address) {
        return BootError(BootErrc::BadSetupHeader);
    }
    if (runtime_start > std::numeric_limits<uint64_t>::max() - header.init_size) {
        return BootError(BootErrc::KernelTooLarge, std::numeric_limits<uint64_t>::max(), 0);
    }
    return std::max(bzimage_load_address + payload_size, runtime_start + header.init_size);
}

/// The zero page fields the image supplies but partvm owns: clear them so a stale or hostile
/// value (a setup_data list pointer, a ramdisk address) can never reach the kernel.
void clear_loader_fields(SetupHeader& header)
{
    header.type_of_loader = LOADER_TYPE_UNDEFINED;
    header.loadflags &= static_cast<uint8_t>(~CAN_USE_HEAP); // No real-mode setup runs: no heap.
    header.heap_end_ptr = 0;
    header.ext_loader_ver = 0;
    header.ext_loader_type = 0;
    header.ramdisk_image = 0;
    header.ramdisk_size = 0;
    header.cmd_line_ptr = 0;
    header.hardware_subarch = 0;
    header.hardware_subarch_data = 0;
    header.setup_data = 0;
    header.code32_start = static_cast<uint32_t>(bzimage_load_address);
}

} // namespace

BootResult<LoadedKernel> load_bzimage(GuestMemory& memory, std::span<const std::byte> image)
{
    SetupHeader header = TRY(copy_setup_header(image));
    if (header.boot_flag != BOOT_FLAG_MAGIC || header.header != HDRS_MAGIC) {
        return BootError(BootErrc::NotAKernel);
    }
    if (header.version < min_protocol_version) {
        return BootError(BootErrc::ProtocolTooOld, header.version, min_protocol_version);
    }
    if ((header.xloadflags & XLF_KERNEL_64) == 0) {
        return BootError(BootErrc::Not64Bit);
    }
    if ((header.loadflags & LOADED_HIGH) == 0) {
        return BootError(BootErrc::BadSetupHeader); // A zImage: it wants to load at 64 KiB.
    }

    const uint64_t setup_sects = header.setup_sects == 0 ? default_setup_sects : header.setup_sects;
    const uint64_t payload_offset = (setup_sects + 1) * sector_size; // At most 128 KiB.
    if (payload_offset >= image.size()) {
        return BootError(BootErrc::Truncated, image.size(), payload_offset + 1);
    }
    const auto payload = image.subspan(payload_offset);
    const uint64_t end = TRY(footprint_end(header, payload.size()));
    const uint64_t ram_end = low_memory_end(memory);
    if (end > ram_end) {
        return BootError(BootErrc::KernelTooLarge, end, ram_end);
    }
    TRY(memory.write(GuestAddress(bzimage_load_address), payload));

    clear_loader_fields(header);
    LoadedKernel kernel;
    kernel.format = KernelFormat::BzImage;
    kernel.start = GuestAddress(bzimage_load_address);
    kernel.entry = GuestAddress(bzimage_load_address + entry_64_offset);
    kernel.end = GuestAddress(end);
    kernel.header = header;
    // cmdline_size excludes the NUL; partvm's own buffer bounds it too.
    kernel.cmdline_limit = static_cast<uint32_t>(
        std::min<uint64_t>(header.cmdline_size, layout::cmdline_max_size - 1));
    kernel.initrd_addr_max = header.initrd_addr_max;
    return kernel;
}

} // namespace vmm
