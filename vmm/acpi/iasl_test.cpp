// SPDX-License-Identifier: Apache-2.0
// Round-trips every table through ACPICA's iasl (package acpica-tools): disassemble our binary,
// check iasl reported no error, warning, remark or bad checksum, compile the listing back, and
// require the same bytes after the header (the header differs only in iasl's own compiler id).
// This checks our encoder against an independent one. Without iasl the cases are skipped.
#include "tests/support/skip.h"
#include "tests/support/temp_dir.h"
#include "vmm/acpi/tables.h"
#include "vmm/acpi/test_util.h"
#include "vmm/acpi/vmbus_device.h"

#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

using namespace vmm;
using namespace vmm::acpi;
using namespace vmm::acpi::test;

namespace {

constexpr size_t header_size = 36;

/// For the cases' skip decorator: looked up (and reported) once, not once per case.
bool iasl_missing()
{
    static const bool missing
        = partvm_test::skip_unless(std::system("command -v iasl >/dev/null 2>&1") == 0,
            "iasl round trips: iasl is not installed (package acpica-tools)");
    return missing;
}

/// A scratch directory (removed with everything in it when the test ends) where iasl runs.
class Workspace {
public:
    void write(const std::string& name, std::span<const std::byte> bytes) const
    {
        // SAFETY: char may alias any object; the span's size bounds the view.
        m_dir.write_file(name, { reinterpret_cast<const char*>(bytes.data()), bytes.size() });
    }
    std::string read_text(const std::string& name) const
    {
        std::ifstream in(m_dir.file(name), std::ios::binary);
        return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
    }
    Bytes read_bytes(const std::string& name) const
    {
        std::string text = read_text(name);
        auto bytes = std::as_bytes(std::span(text));
        return { bytes.begin(), bytes.end() };
    }
    /// Runs iasl with `arguments` inside the workspace; returns everything it printed.
    std::string iasl(const std::string& arguments) const
    {
        std::string command = "cd '" + m_dir.path() + "' && iasl " + arguments + " 2>&1";
        std::string output;
        FILE* pipe = popen(command.c_str(), "r");
        REQUIRE(pipe != nullptr);
        std::array<char, 512> chunk;
        while (size_t n = fread(chunk.data(), 1, chunk.size(), pipe)) {
            output.append(chunk.data(), n);
        }
        pclose(pipe);
        return output;
    }

private:
    partvm_test::TempDir m_dir { "partvm-acpi" };
};

/// Lines of iasl output or listing that report a problem. iasl's "0 Errors, 0 Warnings" summary is
/// checked separately, so it is not counted here.
std::string problems(const std::string& text)
{
    std::istringstream lines(text);
    std::string line;
    std::string found;
    while (std::getline(lines, line)) {
        bool summary = line.starts_with("Compilation successful.");
        bool bad = line.find("Error") != std::string::npos
            || line.find("Warning") != std::string::npos || line.find("Remark") != std::string::npos
            || line.find("Incorrect") != std::string::npos
            || line.find("Invalid") != std::string::npos;
        if (bad && !summary) {
            found += line + "\n";
        }
    }
    return found;
}

bool compiled_cleanly(const std::string& output)
{
    return output.find("Compilation successful. 0 Errors, 0 Warnings, 0 Remarks")
        != std::string::npos;
}

/// Byte offsets after the header where `recompiled` differs from `ours`, as text. iasl always
/// writes 0 as a resource template's End Tag checksum (0x79 then the checksum), where we write a
/// real checksum; the spec allows both, so those bytes are not counted.
std::string body_differences(const Bytes& ours, const Bytes& recompiled)
{
    if (ours.size() != recompiled.size()) {
        return "size " + std::to_string(ours.size()) + " vs " + std::to_string(recompiled.size());
    }
    std::string found;
    for (size_t i = header_size; i < ours.size(); ++i) {
        bool end_tag_checksum
            = ours[i - 1] == std::byte { 0x79 } && recompiled[i] == std::byte { 0 };
        if (ours[i] != recompiled[i] && !end_tag_checksum) {
            found += std::to_string(i) + " ";
        }
    }
    return found;
}

struct RoundTrip {
    std::string disassembly_output;
    std::string listing;
    std::string compile_output;
    Bytes recompiled;
};

/// iasl -d name.dat, then compile name.dsl back to re_name.aml. `compile_flags` go to the second
/// step: -oa keeps iasl from optimising AML (it would drop the '\' from "\_SB" at root scope).
RoundTrip round_trip(const Workspace& work, const std::string& name, const Bytes& table,
    const std::string& compile_flags)
{
    RoundTrip result;
    work.write(name + ".dat", table);
    result.disassembly_output = work.iasl("-d " + name + ".dat");
    result.listing = work.read_text(name + ".dsl");
    result.compile_output = work.iasl(compile_flags + " -p re_" + name + " " + name + ".dsl");
    result.recompiled = work.read_bytes("re_" + name + ".aml");
    return result;
}

void check_clean_round_trip(const RoundTrip& trip, const Bytes& table)
{
    CHECK(problems(trip.disassembly_output) == "");
    CHECK(problems(trip.listing) == "");
    CHECK(problems(trip.compile_output) == "");
    CHECK(compiled_cleanly(trip.compile_output));
    CHECK(body_differences(table, trip.recompiled) == "");
}

} // namespace

TEST_CASE("iasl round-trips the FADT unchanged" * doctest::skip(iasl_missing()))
{
    Workspace work;
    auto fadt = build_fadt(GuestAddress(0xe0200));
    check_clean_round_trip(round_trip(work, "facp", fadt, ""), fadt);
}

TEST_CASE("iasl round-trips the MADT unchanged" * doctest::skip(iasl_missing()))
{
    Workspace work;
    auto madt = build_madt(4).value();
    check_clean_round_trip(round_trip(work, "apic", madt, ""), madt);
}

TEST_CASE("iasl round-trips the XSDT unchanged" * doctest::skip(iasl_missing()))
{
    Workspace work;
    std::array entries { GuestAddress(0xe0040), GuestAddress(0xe0160) };
    auto xsdt = build_xsdt(entries);
    check_clean_round_trip(round_trip(work, "xsdt", xsdt, ""), xsdt);
}

TEST_CASE("iasl builds the same RSDP, checksums included, from its field values"
    * doctest::skip(iasl_missing()))
{
    // iasl cannot load a bare RSDP for disassembly (it is not a table with a standard header),
    // so compile one from the data-table source format instead; iasl computes both checksums.
    Workspace work;
    work.write("rsdp.asl",
        std::as_bytes(std::span(std::string_view("[0008] Signature : \"RSD PTR \"\n"
                                                 "[0001] Checksum : 00\n"
                                                 "[0006] Oem ID : \"PARTVM\"\n"
                                                 "[0001] Revision : 02\n"
                                                 "[0004] RSDT Address : 00000000\n"
                                                 "[0004] Length : 00000024\n"
                                                 "[0008] XSDT Address : 00000000000E0040\n"
                                                 "[0001] Extended Checksum : 00\n"
                                                 "[0003] Reserved : 000000\n"))));
    auto output = work.iasl("rsdp.asl");
    CHECK(compiled_cleanly(output));
    CHECK(hex(work.read_bytes("rsdp.aml")) == hex(build_rsdp(GuestAddress(0xe0040))));
}

TEST_CASE("iasl round-trips the DSDT and finds \\_S5 and COM1" * doctest::skip(iasl_missing()))
{
    Workspace work;
    auto dsdt = build_dsdt(AcpiConfig { .serial_console = true });
    auto trip = round_trip(work, "dsdt", dsdt, "-oa");
    check_clean_round_trip(trip, dsdt);
    CHECK(trip.listing.find("Name (_S5, Package (0x04)") != std::string::npos);
    CHECK(trip.listing.find("EisaId (\"PNP0501\")") != std::string::npos);
    CHECK(trip.listing.find("IRQNoFlags ()") != std::string::npos);
}

TEST_CASE("iasl round-trips a DSDT with the VMBus device" * doctest::skip(iasl_missing()))
{
    Workspace work;
    auto vmbs = vmbus_device();
    auto dsdt = build_dsdt(AcpiConfig { .serial_console = true, .extra_devices = { vmbs } });
    // iasl's compiler rejects a _HID string that is not a 7-8 character PNP/ACPI id (error 6033),
    // but "VMBus" is what Linux's hv_vmbus matches and what Hyper-V and QEMU publish, so ignore
    // that one message. Also ignore 3150 ("Empty Resource Template"): iasl versions that render
    // the 2-byte _CRS as ResourceTemplate(){} instead of Buffer(){} warn when compiling it back.
    auto trip = round_trip(work, "dsdt", dsdt, "-oa -vw 6033 -vw 3150");
    check_clean_round_trip(trip, dsdt);
    CHECK(trip.listing.find("_S5") != std::string::npos);
    CHECK(trip.listing.find("Device (VMBS)") != std::string::npos);
    CHECK(trip.listing.find("Name (_HID, \"VMBus\")") != std::string::npos);
}

TEST_CASE("iasl round-trips terms whose PkgLength takes two and three bytes"
    * doctest::skip(iasl_missing()))
{
    Workspace work;
    // BUF1's PkgLength needs 2 bytes (total 104); BUFD's Device needs 3 (total over 4095).
    auto big = aml::device("BUFD",
        {
            aml::name("_ADR", aml::integer(0)), // iasl wants _HID or _ADR.
            aml::name("BUF1", aml::buffer(Bytes(100, std::byte { 1 }))),
            aml::name("BUF2", aml::buffer(Bytes(5000, std::byte { 2 }))),
        });
    auto dsdt = build_dsdt(AcpiConfig { .extra_devices = { big } });
    auto trip = round_trip(work, "dsdt", dsdt, "-oa");
    check_clean_round_trip(trip, dsdt);
    CHECK(trip.listing.find("Buffer (0x1388)") != std::string::npos);
}
