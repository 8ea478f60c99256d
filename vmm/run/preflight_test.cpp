// SPDX-License-Identifier: Apache-2.0
// What partvm run refuses before it starts anything; the parts that need no KVM.
#include "vmm/run/preflight.h"

#include "tests/support/temp_dir.h"
#include "vmm/cli/exit_status.h"

#include <doctest/doctest.h>

using namespace vmm;

TEST_CASE("preflight: the jail's user needs the disk's mode to let it in")
{
    // Owner class.
    CHECK(jail_access_problem(0600, 65534, 0, 65534, 65534, true).empty());
    CHECK(jail_access_problem(0400, 65534, 0, 65534, 65534, false).empty());
    CHECK(jail_access_problem(0400, 65534, 0, 65534, 65534, true)
        == "the jailed VMM runs as uid 65534, gid 65534, which may not read and write it (mode "
           "0400, owner 65534:0)");
    // Group class; the other bits do not help a member of the group.
    CHECK(jail_access_problem(0660, 0, 65534, 65534, 65534, true).empty());
    CHECK_FALSE(jail_access_problem(0606, 0, 65534, 65534, 65534, false).empty());
    // Other class.
    CHECK(jail_access_problem(0644, 0, 0, 65534, 65534, false).empty());
    CHECK(jail_access_problem(0644, 0, 0, 65534, 65534, true)
        == "the jailed VMM runs as uid 65534, gid 65534, which may not read and write it (mode "
           "0644, owner 0:0)");
    CHECK(jail_access_problem(0600, 0, 0, 65534, 65534, false)
        == "the jailed VMM runs as uid 65534, gid 65534, which may not read it (mode 0600, owner "
           "0:0)");
}

TEST_CASE("preflight: a disk that cannot be opened is refused with exit 2, naming it")
{
    partvm_test::TempDir dir;
    RunRequest request;
    request.config.boot.kernel = dir.write_file("kernel", "k");
    request.config.boot.initrd = dir.write_file("initrd", "i");
    request.config.disks = { { dir.write_file("a.img", std::string(512, 'x')), false, "", false },
        { dir.file("missing.img"), true, "", false } };
    VmmLaunch launch;
    // Disks are checked before KVM is asked about, so `self` is never run here.
    auto refused = preflight(request, launch, "/nonexistent/partvm");
    REQUIRE(refused.has_value());
    CHECK(refused->exit_status == exit_usage);
    CHECK(refused->message
        == "disk[1]: disk '" + dir.file("missing.img")
            + "': cannot open it for reading: No such file or directory");
}
