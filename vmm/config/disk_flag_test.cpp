// SPDX-License-Identifier: Apache-2.0
#include "vmm/config/disk_flag.h"

#include <doctest/doctest.h>

using namespace vmm;

namespace {

std::string error_of(std::string_view text)
{
    auto result = parse_disk_flag(text);
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

} // namespace

TEST_CASE("--disk: a bare path is a writable disk with the default serial")
{
    CHECK(parse_disk_flag("root.img").value() == DiskConfig { "root.img", false, "", false });
}

TEST_CASE("--disk: options in any order")
{
    CHECK(parse_disk_flag("/dev/sdb,direct,serial=data-1,ro").value()
        == DiskConfig { "/dev/sdb", true, "data-1", true });
    CHECK(parse_disk_flag("a.img,ro").value() == DiskConfig { "a.img", true, "", false });
    CHECK(parse_disk_flag("a.img,serial=x=y").value().serial == "x=y");
}

TEST_CASE("--disk: escaped commas and backslashes")
{
    CHECK(parse_disk_flag("a\\,b.img,ro").value().path == "a,b.img");
    CHECK(parse_disk_flag("a\\\\,ro").value() == DiskConfig { "a\\", true, "", false });
    CHECK(parse_disk_flag("a\\b").value().path == "a\\b"); // Other backslashes stay.
    CHECK(parse_disk_flag("a,serial=x\\,y").value().serial == "x,y");
}

TEST_CASE("--disk: bad option words are refused with the reason")
{
    CHECK(error_of("") == "no path before the options (PATH[,ro][,serial=S][,direct])");
    CHECK(error_of(",ro") == "no path before the options (PATH[,ro][,serial=S][,direct])");
    CHECK(error_of("a.img,rw") == "unknown option 'rw' (did you mean 'ro'?)");
    CHECK(error_of("a.img,sync") == "unknown option 'sync' (expected ro, serial=S or direct)");
    CHECK(error_of("a.img,serail=x") == "unknown option 'serail=x' (did you mean 'serial=S'?)");
    CHECK(error_of("a.img,serial") == "unknown option 'serial' (did you mean 'serial=S'?)");
    CHECK(error_of("a.img,serial=") == "serial= needs a value (serial=S)");
    CHECK(error_of("a.img,ro,") == "an empty option (two commas in a row, or one at the end?)");
    CHECK(error_of("a.img,,ro") == "an empty option (two commas in a row, or one at the end?)");
    CHECK(error_of("a.img,ro,ro") == "'ro' is given twice");
    CHECK(error_of("a.img,serial=a,serial=b") == "'serial' is given twice");
    CHECK(error_of("a.img,direct,direct") == "'direct' is given twice");
}

TEST_CASE("--disk: format_disk_flag round-trips through parse_disk_flag")
{
    const DiskConfig disks[] = {
        { "root.img", false, "", false },
        { "/images/a,b\\c.img", true, "s,1\\", true },
        { "x", false, "serial", true },
    };
    for (const DiskConfig& disk : disks) {
        CHECK(parse_disk_flag(format_disk_flag(disk)).value() == disk);
    }
    CHECK(format_disk_flag(disks[1]) == "/images/a\\,b\\\\c.img,ro,serial=s\\,1\\\\,direct");
}
