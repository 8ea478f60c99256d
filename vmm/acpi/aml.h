// SPDX-License-Identifier: Apache-2.0
// A small AML (ACPI Machine Language) encoder: just the terms partvm's DSDT needs (ACPI 6.5 §20.2
// for the grammar, §6.4 for resource descriptors). Every function returns the encoded bytes of one
// term, so terms nest by passing results as arguments:
//
//     aml::device("VMBS", { aml::name("_HID", aml::string("VMBus")),
//                           aml::name("_CRS", aml::resource_template({})) })
//
// Names and sizes come from partvm's own code, never from the guest or the user, so a malformed
// name or an oversized term is a programming error and CHECK-fails rather than returning an error.
#pragma once
#include "vmm/acpi/byte_buffer.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace vmm::acpi::aml {

// Opcodes (ACPI 6.5 §20.3), spelled as in the spec so grep finds both.
constexpr uint8_t ZeroOp = 0x00;
constexpr uint8_t OneOp = 0x01;
constexpr uint8_t NameOp = 0x08;
constexpr uint8_t BytePrefix = 0x0a;
constexpr uint8_t WordPrefix = 0x0b;
constexpr uint8_t DWordPrefix = 0x0c;
constexpr uint8_t StringPrefix = 0x0d;
constexpr uint8_t QWordPrefix = 0x0e;
constexpr uint8_t ScopeOp = 0x10;
constexpr uint8_t BufferOp = 0x11;
constexpr uint8_t PackageOp = 0x12;
constexpr uint8_t MethodOp = 0x14;
constexpr uint8_t DualNamePrefix = 0x2e;
constexpr uint8_t MultiNamePrefix = 0x2f;
constexpr uint8_t ExtOpPrefix = 0x5b;
constexpr uint8_t DeviceOp = 0x82; // Follows ExtOpPrefix.
constexpr uint8_t RootChar = 0x5c; // '\'
constexpr uint8_t ParentPrefixChar = 0x5e; // '^'
constexpr uint8_t ReturnOp = 0xa4;

/// The largest value a PkgLength can encode (28 bits, ACPI 6.5 §20.2.4).
constexpr size_t max_pkg_length = 0x0fffffff;

/// PkgLength for a term whose contents after the PkgLength are `body_size` bytes. The encoded value
/// counts the PkgLength bytes themselves, so the encoding takes 1 byte up to a total of 63, then 2
/// (up to 4095), 3 (up to 1 MiB - 1) or 4 bytes.
Bytes pkg_length(size_t body_size);

/// NameString: an optional '\' (root) or run of '^' (parent), then NameSegs separated by '.'.
/// Each segment is 1-4 characters from [A-Z0-9_], not starting with a digit; short segments are
/// padded with '_' as iasl does ("_S5" becomes "_S5_").
Bytes name_string(std::string_view path);

/// The shortest encoding of an integer constant: ZeroOp, OneOp, or Byte/Word/DWord/QWordPrefix.
/// QWord values need a DSDT of revision 2 or later (64-bit integers).
Bytes integer(uint64_t value);

/// String constant: printable ASCII (0x01-0x7f) only, NUL-terminated on the wire.
Bytes string(std::string_view text);

/// A compressed EISA id such as "PNP0501" (three upper-case letters, four hex digits) as the DWord
/// constant ASL's EisaId() produces.
Bytes eisa_id(std::string_view id);

/// Name(path, object): binds a data object (integer, string, package or buffer) to a name.
Bytes name(std::string_view path, const Bytes& object);

/// Package(){...} with up to 255 elements, each an encoded data object.
Bytes package(const std::vector<Bytes>& elements);

/// Buffer(){...} holding `data` verbatim.
Bytes buffer(std::span<const std::byte> data);

/// Scope(path){terms}.
Bytes scope(std::string_view path, const std::vector<Bytes>& terms);

/// Device(path){terms}.
Bytes device(std::string_view path, const std::vector<Bytes>& terms);

/// Method(path, arg_count, NotSerialized){terms}.
Bytes method(std::string_view path, uint8_t arg_count, const std::vector<Bytes>& terms);

/// Return(value).
Bytes return_value(const Bytes& value);

// Resource descriptors (ACPI 6.5 §6.4), the contents of a ResourceTemplate.

/// IO(Decode16, minimum, maximum, alignment, length): an I/O port range with 16-bit decode.
Bytes io_port(uint16_t minimum, uint16_t maximum, uint8_t alignment, uint8_t length);

/// IRQNoFlags(){irq}: one ISA IRQ (0-15), edge-triggered, active-high, exclusive.
Bytes irq_no_flags(uint8_t irq);

/// ResourceTemplate(){descriptors}: a Buffer of the descriptors followed by an End Tag whose
/// checksum byte makes the whole template sum to zero (§6.4.2.9).
Bytes resource_template(const std::vector<Bytes>& descriptors);

} // namespace vmm::acpi::aml
