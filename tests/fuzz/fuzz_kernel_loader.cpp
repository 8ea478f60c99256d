// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the direct-boot path: arbitrary bytes as a kernel image (bzImage or ELF),
// then the command line, initramfs placement and zero page on a small guest, exactly as the
// builder chains them. Nothing may crash, hang, or reach outside GuestMemory.
// Seeds: tests/fuzz/corpus/kernel_loader/ (synthetic bzImage and ELF headers).
#include "vmm/boot/cmdline.h"
#include "vmm/boot/initrd.h"
#include "vmm/boot/kernel_loader.h"
#include "vmm/boot/zero_page.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace {

// Room for a bzImage's usual pref_address (16 MiB) plus a small init_size, small enough that a
// whole-RAM memset per input stays cheap.
constexpr uint64_t fuzz_memory_size = 32ull << 20;
constexpr uint64_t fuzz_rsdp = 0xe0000;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    // One guest for the whole run: stale bytes from earlier inputs are harmless to the loader.
    static vmm::GuestMemory memory = vmm::GuestMemory::allocate_for_test(fuzz_memory_size);
    const auto image = std::as_bytes(std::span(data, size));

    auto kernel = vmm::load_kernel(memory, image);
    if (!kernel) {
        (void)kernel.error().message(); // Formatting must not crash on hostile numbers either.
        return 0;
    }

    // The input's tail doubles as the command line (NULs and all; its last byte picks the length,
    // up to 4080 bytes, past the usual 2047 limit) and the whole input as the initramfs.
    const size_t cmdline_length
        = size == 0 ? 0 : std::min<size_t>(size, size_t { data[size - 1] } * 16);
    // SAFETY: char and uint8_t have the same size and any byte is a valid char; the view lies
    // inside the fuzzer's buffer because cmdline_length <= size.
    const std::string_view cmdline(
        reinterpret_cast<const char*>(data + size - cmdline_length), cmdline_length);
    auto cmdline_placement = vmm::write_cmdline(memory, cmdline, *kernel);
    if (!cmdline_placement) {
        (void)cmdline_placement.error().message();
    }
    auto initrd = vmm::place_initrd(memory, image, *kernel);
    if (!initrd) {
        (void)initrd.error().message();
    }

    const vmm::BootParamsInput input {
        *kernel,
        cmdline_placement.value_or(vmm::CmdlinePlacement {}),
        initrd.value_or(vmm::InitrdPlacement {}),
        vmm::GuestAddress(fuzz_rsdp),
    };
    auto written = vmm::write_boot_params(memory, input);
    if (!written) {
        __builtin_trap(); // The zero page and e820 map fit any guest this size: a real bug.
    }
    return 0;
}
