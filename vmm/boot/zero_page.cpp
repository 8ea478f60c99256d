// SPDX-License-Identifier: Apache-2.0
// Fills and writes the zero page (Documentation/x86/zero-page.rst, boot.rst "64-bit Boot
// Protocol": start from all zeros, copy in the setup header, then set the loader's fields).
#include "vmm/boot/zero_page.h"

#include "vmm/boot/e820.h"
#include "vmm/layout/layout.h"

#include <algorithm>

namespace vmm {

namespace {

constexpr uint32_t low32(uint64_t value)
{
    return static_cast<uint32_t>(value);
}
constexpr uint32_t high32(uint64_t value)
{
    return static_cast<uint32_t>(value >> 32);
}

} // namespace

BootResult<BootParams> make_boot_params(
    const BootParamsInput& input, std::span<const E820Entry> e820)
{
    if (e820.size() > E820_MAX_ENTRIES_ZEROPAGE) {
        return BootError(BootErrc::TooManyE820Entries, e820.size(), E820_MAX_ENTRIES_ZEROPAGE);
    }
    BootParams params {};
    params.hdr = input.kernel.header;
    params.hdr.type_of_loader = LOADER_TYPE_UNDEFINED;

    params.hdr.cmd_line_ptr = low32(input.cmdline.address.value);
    params.ext_cmd_line_ptr = high32(input.cmdline.address.value);

    params.hdr.ramdisk_image = low32(input.initrd.address.value);
    params.ext_ramdisk_image = high32(input.initrd.address.value);
    params.hdr.ramdisk_size = low32(input.initrd.size);
    params.ext_ramdisk_size = high32(input.initrd.size);

    params.acpi_rsdp_addr = input.acpi_rsdp.value;

    params.e820_entries = static_cast<uint8_t>(e820.size());
    std::copy(e820.begin(), e820.end(), params.e820_table);
    return params;
}

BootResult<void> write_boot_params(GuestMemory& memory, const BootParamsInput& input)
{
    const auto e820 = TRY(build_e820_map(memory.regions()));
    const BootParams params = TRY(make_boot_params(input, e820));
    TRY(memory.write_obj(GuestAddress(layout::boot_params_start), params));
    return {};
}

} // namespace vmm
