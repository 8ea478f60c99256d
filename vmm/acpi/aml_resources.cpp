// SPDX-License-Identifier: Apache-2.0
// Small resource descriptors (ACPI 6.5 §6.4.2) and the ResourceTemplate buffer that holds them.
// A small descriptor starts with one byte: bit 7 clear, bits 6-3 the item name, bits 2-0 the
// number of bytes that follow.
#include "vmm/acpi/aml.h"

#include "base/check.h"

namespace vmm::acpi::aml {
namespace {

constexpr uint8_t small_tag(uint8_t item_name, uint8_t length)
{
    return static_cast<uint8_t>((item_name << 3) | length);
}

constexpr uint8_t IrqItem = 0x04; // §6.4.2.1
constexpr uint8_t IoPortItem = 0x08; // §6.4.2.5
constexpr uint8_t EndTagItem = 0x0f; // §6.4.2.9
constexpr uint8_t IoDecode16 = 0x01; // IO information byte: the device decodes 16 address bits.

} // namespace

Bytes io_port(uint16_t minimum, uint16_t maximum, uint8_t alignment, uint8_t length)
{
    Bytes out;
    append_u8(out, small_tag(IoPortItem, 7));
    append_u8(out, IoDecode16);
    append_le(out, minimum);
    append_le(out, maximum);
    append_u8(out, alignment);
    append_u8(out, length);
    return out;
}

Bytes irq_no_flags(uint8_t irq)
{
    // The 2-byte form (no information byte) means edge-triggered, active-high, not shared.
    CHECK(irq < 16);
    Bytes out;
    append_u8(out, small_tag(IrqItem, 2));
    append_le(out, static_cast<uint16_t>(1u << irq));
    return out;
}

Bytes resource_template(const std::vector<Bytes>& descriptors)
{
    Bytes data;
    for (const Bytes& descriptor : descriptors) {
        append(data, descriptor);
    }
    append_u8(data, small_tag(EndTagItem, 1));
    // A zero checksum byte would also be accepted ("treated as if the checksum succeeded"), and
    // ACPICA ignores the byte; a real checksum is what the spec describes, so emit one.
    append_u8(data, checksum_for(data));
    return buffer(data);
}

} // namespace vmm::acpi::aml
