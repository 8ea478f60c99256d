// SPDX-License-Identifier: Apache-2.0
// `partvm run -- CMD` end to end: the default kernel and agent initramfs (tests/integration/run
// links them into BUILD/images), hv_sock, the agent, and the exit statuses users script against.
#include "tests/integration/process.h"
#include "tests/integration/run_support.h"
#include "tests/integration/test_guest.h"
#include "tests/support/temp_dir.h"

#include <csignal>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>

#ifndef PARTVM_AGENT_EXEC_BIN
#define PARTVM_AGENT_EXEC_BIN "agent_exec" // Builds without the static agent do not run these.
#endif

using namespace partvm_test;

TEST_SUITE("kvm")
{
    TEST_CASE("run: stdout and stderr stay apart and the exit code comes back")
    {
        auto result = run_process(
            run_command({}, { "sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 7" }));
        INFO(result);
        CHECK(result.out == "to-stdout\n");
        CHECK(result.err.find("to-stderr") != std::string::npos);
        CHECK(result.out.find("to-stderr") == std::string::npos);
        CHECK(result.exit_code == 7);
    }

    TEST_CASE("run -i: several MiB of binary stdin come back byte for byte")
    {
        TempDir dir;
        std::string data(6 << 20, '\0');
        std::mt19937 random(42);
        for (char& byte : data) {
            byte = char(random());
        }
        const std::string input = dir.write_file("input.bin", data);
        auto result
            = run_process(run_command({ "-i" }, { "cat" }), std::chrono::seconds(300), {}, input);
        INFO("stderr: " << result.err);
        CHECK(result.exit_code == 0);
        REQUIRE(result.out.size() == data.size());
        CHECK(result.out == data);
    }

    TEST_CASE("run: a command killed by a signal exits 128+N")
    {
        auto result = run_process(run_command({}, { "sh", "-c", "kill -TERM $$" }));
        INFO("stderr: " << result.err);
        CHECK(result.exit_code == 128 + SIGTERM);
    }

    TEST_CASE("run --timeout kills the command and exits 124")
    {
        auto result = run_process(run_command({ "--timeout", "2" }, { "sleep", "600" }));
        INFO("stderr: " << result.err);
        CHECK(result.exit_code == 124);
        CHECK(result.seconds < 120);
    }

    TEST_CASE("run: an unknown command exits 127 with a clear message")
    {
        auto result = run_process(run_command({}, { "no-such-command" }));
        CHECK(result.exit_code == 127);
        CHECK(result.err.find("no-such-command: command not found") != std::string::npos);
    }

    TEST_CASE("run: environment, working directory and user reach the command")
    {
        auto result = run_process(
            run_command({ "-e", "GREETING=hello there", "-w", "/tmp", "-u", "nobody" },
                { "sh", "-c", "echo \"$GREETING|$(pwd)|$(id -un)\"" }));
        INFO("stderr: " << result.err);
        CHECK(result.out == "hello there|/tmp|nobody\n");
        CHECK(result.exit_code == 0);
    }

    TEST_CASE("run: Ctrl-C reaches the command, which ends with 130")
    {
        auto result = run_process(run_command({}, { "sh", "-c", "echo ready; exec sleep 600" }),
            std::chrono::seconds(300), { .signal = SIGINT, .once_stdout_has = "ready" });
        INFO("stderr: " << result.err);
        CHECK(result.exit_code == 128 + SIGINT);
        CHECK(result.seconds_after_signal < 20);
    }

    TEST_CASE("run: the default kernel is partvm's own; Debian's stock kernel runs commands too")
    {
        auto own = run_process(run_command({}, { "uname", "-r" }));
        INFO(own);
        CHECK(own.out.find("-partvm") != std::string::npos);
        CHECK(own.exit_code == 0);
        // The stock kernel loads hv_vmbus, hv_utils and hv_sock from the initramfs first.
        const std::string stock = images_dir() + "/stock";
        auto debian = run_process(
            run_command({ "--kernel", stock + "/bzImage", "--rootfs", stock + "/initrd.img" },
                { "sh", "-c", "uname -r; grep -c '^hv_sock ' /proc/modules" }));
        INFO(debian);
        CHECK(debian.out.find("-cloud-amd64\n1\n") != std::string::npos);
        CHECK(debian.exit_code == 0);
    }

    TEST_CASE("run: every VM is fresh; a file written in one run is gone in the next")
    {
        auto first = run_process(run_command({}, { "sh", "-c", "echo x > /root/marker" }));
        CHECK(first.exit_code == 0);
        auto second = run_process(run_command({}, { "test", "-e", "/root/marker" }));
        CHECK(second.exit_code == 1);
    }

    TEST_CASE("run: four VMs at once all succeed")
    {
        std::vector<std::future<ProcessResult>> runs;
        for (int i = 0; i < 4; ++i) {
            runs.push_back(std::async(std::launch::async, [i] {
                return run_process(run_command(
                    { "--vcpus", "1" }, { "sh", "-c", "echo run-" + std::to_string(i) }));
            }));
        }
        for (int i = 0; i < 4; ++i) {
            auto result = runs[size_t(i)].get();
            INFO("run " << i << " stderr: " << result.err);
            CHECK(result.exit_code == 0);
            CHECK(result.out == "run-" + std::to_string(i) + "\n");
        }
    }

    TEST_CASE("run: a rootfs without the agent is given up on after --agent-timeout, exit 125")
    {
        Guest guest = Guest::from_env();
        auto result = run_process(run_command({ "--rootfs", guest.initrd, "--agent-timeout", "5",
                                                  "--cmdline", "panic=-1 partvm.exit=hang" },
            { "true" }));
        CHECK(result.exit_code == 125);
        CHECK(result.err.find("did not connect within 5 s") != std::string::npos);
        CHECK(result.seconds < 60);
    }
}

TEST_SUITE("input")
{
    TEST_CASE("run: a missing rootfs is refused before any VM work, naming the flag")
    {
        auto result = run_process({ partvm_binary(), "run", "--kernel", "/nonexistent/bzImage",
            "--rootfs", "/nonexistent/rootfs.img", "--", "true" });
        CHECK(result.exit_code != 0);
        CHECK(result.err.find("/nonexistent/") != std::string::npos);
    }

    TEST_CASE("run: no command is a usage error")
    {
        auto result = run_process({ partvm_binary(), "run" });
        CHECK(result.exit_code == 2);
    }

    TEST_CASE("run: -e without NAME=VALUE is refused")
    {
        auto result = run_process({ partvm_binary(), "run", "--kernel", "k", "--rootfs", "r", "-e",
            "JUSTANAME", "--", "true" });
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("expected NAME=VALUE, got 'JUSTANAME'") != std::string::npos);
    }
}

TEST_SUITE("kvm")
{
    TEST_CASE("run -t gives the command a terminal of the caller's size")
    {
        // script(1) puts partvm on a pty of its own, as a user's terminal would.
        const std::string command = partvm_binary()
            + " run --memory 256M -t -- sh -c 'tty; stty size; test -t 0 && echo stdin-is-a-tty'";
        auto result
            = run_process({ "script", "-qec", "stty rows 33 cols 101; " + command, "/dev/null" });
        INFO(result);
        CHECK(result.out.find("/dev/pts/") != std::string::npos);
        CHECK(result.out.find("33 101") != std::string::npos);
        CHECK(result.out.find("stdin-is-a-tty") != std::string::npos);
        CHECK(result.exit_code == 0);
    }

    TEST_CASE("several exec sessions run at once in one VM, reached through --vsock")
    {
        // partvm boot with the agent initramfs: the agent's connect to host port 10000 goes to
        // the Unix socket PATH_10000, where agent_exec runs three sessions at once.
        TempDir dir;
        const std::string socket = dir.path() + "/vm.sock";
        const std::string images = images_dir();
        std::promise<bool> listening;
        auto client = std::async(std::launch::async, [&] {
            return run_process(
                { std::string(PARTVM_AGENT_EXEC_BIN), "--unix", socket + "_10000", "--parallel",
                    "3", "--", "sh", "-c", "sleep 2; echo session-done" },
                std::chrono::seconds(300), {}, "/dev/null",
                { "listening\n", [&](bool seen) { listening.set_value(seen); } });
        });
        // The guest's agent connects once, as it starts: agent_exec must be listening by then.
        REQUIRE(listening.get_future().get());
        auto vm = run_process({ partvm_binary(), "boot", "--kernel", images + "/kernel", "--initrd",
            images + "/initrd.img", "--memory", "256M", "--vsock", socket });
        auto sessions = client.get();
        INFO("agent_exec: " << sessions.out << sessions.err << "\npartvm: " << vm.err);
        CHECK(sessions.exit_code == 0);
        size_t done = 0;
        for (size_t at = 0; (at = sessions.out.find("session-done", at)) != std::string::npos;
             ++at) {
            ++done;
        }
        CHECK(done == 3);
        // One round of three 2-second sessions: concurrent, not 6 s back to back.
        CHECK(sessions.out.find("\"exec_ms\": [") != std::string::npos);
        const double round_ms = std::stod(sessions.out.substr(sessions.out.find("[") + 1));
        CHECK(round_ms < 5000);
        CHECK(vm.exit_code == 0);
        CHECK_FALSE(std::filesystem::exists(socket)); // partvm removes its socket.
    }
}
