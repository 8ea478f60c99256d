// SPDX-License-Identifier: Apache-2.0
// Wire structs of the Linux/x86 boot protocol: the setup header a bzImage carries at 0x1f1, the
// e820 entry, and the 4 KiB "zero page" (struct boot_params). Layouts and constants follow
// Documentation/x86/boot.rst, zero-page.rst and arch/x86/include/uapi/asm/bootparam.h (Linux 6.1).
#pragma once
#include <cstddef>
#include <cstdint>

namespace vmm {

// setup_header.boot_flag and .header magic values.
constexpr uint16_t BOOT_FLAG_MAGIC = 0xaa55;
constexpr uint32_t HDRS_MAGIC = 0x53726448; // "HdrS", little-endian.

// setup_header.loadflags.
constexpr uint8_t LOADED_HIGH = 1 << 0;
constexpr uint8_t KASLR_FLAG = 1 << 1;
constexpr uint8_t QUIET_FLAG = 1 << 5;
constexpr uint8_t KEEP_SEGMENTS = 1 << 6;
constexpr uint8_t CAN_USE_HEAP = 1 << 7;

// setup_header.xloadflags (protocol 2.12+).
constexpr uint16_t XLF_KERNEL_64 = 1 << 0;
constexpr uint16_t XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;

// e820 entry types (arch/x86/include/asm/e820/types.h).
constexpr uint32_t E820_TYPE_RAM = 1;
constexpr uint32_t E820_TYPE_RESERVED = 2;
constexpr uint32_t E820_TYPE_ACPI = 3;

/// boot_params.e820_table capacity (E820_MAX_ENTRIES_ZEROPAGE).
constexpr size_t E820_MAX_ENTRIES_ZEROPAGE = 128;

/// "Undefined" boot loader id, for loaders without an assigned one.
constexpr uint8_t LOADER_TYPE_UNDEFINED = 0xff;

/// The setup header. Offsets in comments are relative to the start of the kernel image (and of
/// boot_params), where the header begins at 0x1f1.
struct [[gnu::packed]] SetupHeader {
    uint8_t setup_sects; // 0x1f1: real-mode setup size in 512-byte sectors; 0 means 4.
    uint16_t root_flags; // 0x1f2
    uint32_t syssize; // 0x1f4
    uint16_t ram_size; // 0x1f8
    uint16_t vid_mode; // 0x1fa
    uint16_t root_dev; // 0x1fc
    uint16_t boot_flag; // 0x1fe: 0xaa55.
    uint16_t jump; // 0x200: "jmp short"; its offset byte sizes the header.
    uint32_t header; // 0x202: "HdrS".
    uint16_t version; // 0x206: boot protocol, (major << 8) | minor.
    uint32_t realmode_swtch; // 0x208
    uint16_t start_sys_seg; // 0x20c
    uint16_t kernel_version; // 0x20e
    uint8_t type_of_loader; // 0x210
    uint8_t loadflags; // 0x211
    uint16_t setup_move_size; // 0x212
    uint32_t code32_start; // 0x214
    uint32_t ramdisk_image; // 0x218
    uint32_t ramdisk_size; // 0x21c
    uint32_t bootsect_kludge; // 0x220
    uint16_t heap_end_ptr; // 0x224
    uint8_t ext_loader_ver; // 0x226
    uint8_t ext_loader_type; // 0x227
    uint32_t cmd_line_ptr; // 0x228
    uint32_t initrd_addr_max; // 0x22c: highest byte an initrd may occupy (inclusive).
    uint32_t kernel_alignment; // 0x230
    uint8_t relocatable_kernel; // 0x234
    uint8_t min_alignment; // 0x235
    uint16_t xloadflags; // 0x236
    uint32_t cmdline_size; // 0x238: maximum command line length without the NUL.
    uint32_t hardware_subarch; // 0x23c
    uint64_t hardware_subarch_data; // 0x240
    uint32_t payload_offset; // 0x248
    uint32_t payload_length; // 0x24c
    uint64_t setup_data; // 0x250
    uint64_t pref_address; // 0x258
    uint32_t init_size; // 0x260: memory the kernel needs from its runtime start.
    uint32_t handover_offset; // 0x264
    uint32_t kernel_info_offset; // 0x268
};
static_assert(sizeof(SetupHeader) == 0x7b);
static_assert(offsetof(SetupHeader, header) == 0x202 - 0x1f1);
static_assert(offsetof(SetupHeader, cmdline_size) == 0x238 - 0x1f1);
static_assert(offsetof(SetupHeader, kernel_info_offset) == 0x268 - 0x1f1);

/// Where the setup header starts in a bzImage file and in boot_params.
constexpr size_t setup_header_offset = 0x1f1;

/// One e820 map entry: [addr, addr + size) of the given type.
struct [[gnu::packed]] E820Entry {
    uint64_t addr; // 0x00
    uint64_t size; // 0x08
    uint32_t type; // 0x10

    bool operator==(const E820Entry&) const = default;
};
static_assert(sizeof(E820Entry) == 20);

/// The zero page. Only the fields partvm writes are named; the rest stays zero, as the 64-bit
/// boot protocol asks ("initialized to all zero", then the setup header copied in).
struct [[gnu::packed]] BootParams {
    uint8_t screen_info_apm_ist[0x70]; // 0x000: screen_info, apm_bios_info, ist_info.
    uint64_t acpi_rsdp_addr; // 0x070
    uint8_t pad_078[0x0c0 - 0x078]; // 0x078: obsolete hd*_info, sys_desc, olpc.
    uint32_t ext_ramdisk_image; // 0x0c0: ramdisk_image bits 63:32.
    uint32_t ext_ramdisk_size; // 0x0c4: ramdisk_size bits 63:32.
    uint32_t ext_cmd_line_ptr; // 0x0c8: cmd_line_ptr bits 63:32.
    uint8_t pad_0cc[0x1e8 - 0x0cc]; // 0x0cc: cc_blob, edid_info, efi_info, ...
    uint8_t e820_entries; // 0x1e8
    uint8_t pad_1e9[setup_header_offset - 0x1e9]; // 0x1e9: edd counts, sentinel (0x1ef).
    SetupHeader hdr; // 0x1f1
    uint8_t pad_26c[0x2d0 - 0x26c]; // 0x26c: header slack, edd_mbr_sig_buffer.
    E820Entry e820_table[E820_MAX_ENTRIES_ZEROPAGE]; // 0x2d0
    uint8_t pad_cd0[0x1000 - 0xcd0]; // 0xcd0: eddbuf.
};
static_assert(sizeof(BootParams) == 4096);
static_assert(offsetof(BootParams, acpi_rsdp_addr) == 0x070);
static_assert(offsetof(BootParams, ext_ramdisk_image) == 0x0c0);
static_assert(offsetof(BootParams, ext_cmd_line_ptr) == 0x0c8);
static_assert(offsetof(BootParams, e820_entries) == 0x1e8);
static_assert(offsetof(BootParams, hdr) == setup_header_offset);
static_assert(offsetof(BootParams, e820_table) == 0x2d0);

} // namespace vmm
