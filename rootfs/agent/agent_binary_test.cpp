// SPDX-License-Identifier: Apache-2.0
// The built partvm-agent: statically linked (no ELF interpreter), and serving sessions over an
// inherited socket (--fd), as it would over vsock.
#include "agent/client/client.h"
#include "base/unique_fd.h"

#include <doctest/doctest.h>

#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using vmm::UniqueFd;

TEST_CASE("partvm-agent is statically linked")
{
    UniqueFd fd(::open(PARTVM_AGENT_BIN, O_RDONLY | O_CLOEXEC));
    REQUIRE(fd.valid());
    Elf64_Ehdr header {};
    REQUIRE(::pread(fd.get(), &header, sizeof header, 0) == sizeof header);
    REQUIRE(std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0);
    for (int i = 0; i < header.e_phnum; ++i) {
        Elf64_Phdr program {};
        REQUIRE(::pread(fd.get(), &program, sizeof program,
                    static_cast<off_t>(header.e_phoff + i * header.e_phentsize))
            == sizeof program);
        CHECK(program.p_type != PT_INTERP);
        CHECK(program.p_type != PT_DYNAMIC);
    }
}

TEST_CASE("partvm-agent --fd serves a session and exits when the host hangs up")
{
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    UniqueFd host(fds[0]);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(fds[1], 3); // clears close-on-exec
        ::execl(PARTVM_AGENT_BIN, "partvm-agent", "--fd", "3", nullptr);
        ::_exit(127);
    }
    ::close(fds[1]);

    UniqueFd out(::memfd_create("agent-out", MFD_CLOEXEC));
    agent::protocol::Exec exec;
    exec.argv = { "sh", "-c", "echo hello from $(id -u); exit 7" };
    auto result = agent::client::run_session(host.get(), exec, -1, out.get(), -1);
    REQUIRE(result);
    CHECK(result->shell_status() == 7);
    char text[64] = {};
    CHECK(::pread(out.get(), text, sizeof text - 1, 0) > 0);
    CHECK(std::string(text) == "hello from " + std::to_string(::getuid()) + "\n");

    host.reset();
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
