// SPDX-License-Identifier: Apache-2.0
#include "vmm/arch/x86_64/reset_stub.h"
#include "vmm/layout/layout.h"

#include <array>

namespace vmm {

Result<void> write_reset_stub(GuestMemory& memory)
{
    static_assert(layout::port_acpi_reset == 0x602 && layout::acpi_reset_value == 1,
        "the stub's immediates below encode this port and value");
    constexpr std::array<uint8_t, 9> stub = {
        0xb0, 0x01, // mov al, acpi_reset_value
        0xba, 0x02, 0x06, // mov dx, port_acpi_reset
        0xee, // out dx, al
        0xf4, // hlt
        0xeb, 0xfd, // jmp back to hlt
    };
    return memory.write(GuestAddress(layout::reset_vector), std::as_bytes(std::span(stub)));
}

} // namespace vmm
