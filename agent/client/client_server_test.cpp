// SPDX-License-Identifier: Apache-2.0
// The host client against the real agent server (in a forked child) over a socketpair: stdio
// streaming and back-pressure, exit statuses, timeouts, errors, users, several sessions, pty mode.
#include "agent/client/client.h"

#include "agent/server/server_test_support.h"
#include "base/unique_fd.h"
#include "tests/support/skip.h"
#include "tests/support/temp_dir.h"

#include <doctest/doctest.h>
#include <fmt/core.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <random>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace agent::client;
using agent::protocol::ErrorStage;
using agent::protocol::Exec;
using agent::server::ServerOptions;
using agent::server::testing::ServerProcess;
using vmm::UniqueFd;

namespace {

using Clock = std::chrono::steady_clock;

UniqueFd memfd_with(std::string_view content = {})
{
    UniqueFd fd(::memfd_create("agent-test", MFD_CLOEXEC));
    REQUIRE(fd.valid());
    REQUIRE(
        ::write(fd.get(), content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    REQUIRE(::lseek(fd.get(), 0, SEEK_SET) == 0);
    return fd;
}

std::string contents(int fd)
{
    std::string text;
    char buffer[65536];
    ssize_t n;
    for (off_t at = 0; (n = ::pread(fd, buffer, sizeof buffer, at)) > 0; at += n) {
        text.append(buffer, static_cast<size_t>(n));
    }
    return text;
}

Exec command(std::vector<std::string> argv)
{
    Exec exec;
    exec.argv = std::move(argv);
    return exec;
}

struct Outcome {
    ExitResult result;
    std::string out;
    std::string err;
    int status() const { return result.shell_status(); }
};

/// One session on a fresh server; stdin from `input` (none when nullopt), output to memfds.
Outcome run(const Exec& exec, std::optional<std::string_view> input = std::string_view {},
    const ServerOptions& options = {}, const Hooks& hooks = {})
{
    ServerProcess server(options);
    auto in = input ? memfd_with(*input) : UniqueFd();
    auto out = memfd_with();
    auto err = memfd_with();
    auto result = run_session(server.fd(), exec, in.get(), out.get(), err.get(), hooks);
    if (!result) {
        FAIL("run_session failed: " << result.error().message);
    }
    return { *result, contents(out.get()), contents(err.get()) };
}

std::string random_bytes(size_t size)
{
    std::mt19937_64 random(size);
    std::string bytes(size, '\0');
    for (auto& byte : bytes) {
        byte = static_cast<char>(random());
    }
    return bytes;
}

std::string read_proc_stat(pid_t pid)
{
    UniqueFd fd(::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC));
    return fd.valid() ? contents(fd.get()) : std::string();
}

} // namespace

TEST_CASE("stdout and stderr stay apart; the exit code comes back")
{
    const auto outcome = run(command({ "sh", "-c", "echo out; echo err >&2; echo more; exit 3" }));
    CHECK(outcome.out == "out\nmore\n");
    CHECK(outcome.err == "err\n");
    REQUIRE(outcome.result.exited);
    CHECK_FALSE(outcome.result.exited->signaled);
    CHECK(outcome.result.exited->value == 3);
    CHECK(outcome.status() == 3);
    CHECK(outcome.result.pid > 0);
}

TEST_CASE("several MiB of binary stdin come back unchanged through cat")
{
    const auto data = random_bytes(8 << 20);
    const auto outcome = run(command({ "cat" }), data);
    CHECK(outcome.status() == 0);
    CHECK(outcome.out.size() == data.size());
    CHECK(outcome.out == data);
}

TEST_CASE("back-pressure: pipes on both sides, a slow reader, nothing lost")
{
    ServerProcess server;
    int in[2], out[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    UniqueFd in_read(in[0]), in_write(in[1]), out_read(out[0]), out_write(out[1]);
    const auto data = random_bytes(6 << 20);
    std::thread writer([&] {
        size_t at = 0;
        while (at < data.size()) {
            const ssize_t n = ::write(
                in_write.get(), data.data() + at, std::min<size_t>(data.size() - at, 100000));
            if (n <= 0) {
                break;
            }
            at += static_cast<size_t>(n);
        }
        in_write.reset();
    });
    std::string received;
    std::thread reader([&] {
        char buffer[32768];
        ssize_t n;
        int reads = 0;
        while ((n = ::read(out_read.get(), buffer, sizeof buffer)) > 0) {
            received.append(buffer, static_cast<size_t>(n));
            if (++reads % 16 == 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1)); // slow consumer
            }
        }
    });
    auto result = run_session(server.fd(), command({ "cat" }), in_read.get(), out_write.get(), -1);
    out_write.reset();
    writer.join();
    reader.join();
    REQUIRE(result);
    CHECK(result->shell_status() == 0);
    CHECK(received.size() == data.size());
    CHECK(received == data);
}

TEST_CASE("killed by a signal: 128 + N")
{
    const auto outcome = run(command({ "sh", "-c", "kill -TERM $$" }));
    REQUIRE(outcome.result.exited);
    CHECK(outcome.result.exited->signaled);
    CHECK(outcome.result.exited->value == SIGTERM);
    CHECK_FALSE(outcome.result.exited->timed_out);
    CHECK(outcome.status() == 128 + SIGTERM);
}

TEST_CASE("a timeout kills the whole process group and says so")
{
    auto exec = command({ "sh", "-c", "sleep 30 & sleep 30" });
    exec.timeout_ms = 300;
    const auto start = Clock::now();
    const auto outcome = run(exec);
    CHECK(Clock::now() - start < std::chrono::seconds(5));
    REQUIRE(outcome.result.exited);
    CHECK(outcome.result.exited->timed_out);
    CHECK(outcome.result.exited->signaled);
    CHECK(outcome.result.exited->value == SIGKILL);
    CHECK(outcome.status() == 124);
}

TEST_CASE("command not found: 127; not executable: 126")
{
    auto missing = run(command({ "no-such-command-partvm" }));
    REQUIRE(missing.result.error);
    CHECK(missing.result.error->stage == ErrorStage::Exec);
    CHECK(missing.result.error->code == ENOENT);
    CHECK(missing.result.error->message == "no-such-command-partvm: command not found");
    CHECK(missing.status() == 127);
    CHECK(run(command({ "/no/such/path" })).status() == 127);

    char path[] = "/tmp/partvm-agent-test-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ::close(fd); // mode 0600: not executable, even for root
    auto denied = run(command({ path }));
    ::unlink(path);
    REQUIRE(denied.result.error);
    CHECK(denied.result.error->stage == ErrorStage::Exec);
    CHECK(denied.result.error->code == EACCES);
    CHECK(denied.status() == 126);
}

TEST_CASE("working directory: used, or ERROR with 126 when it does not exist")
{
    auto exec = command({ "pwd" });
    exec.cwd = "/tmp";
    CHECK(run(exec).out == "/tmp\n");
    exec.cwd = "";
    CHECK(run(exec).out == "/\n");
    exec.cwd = "/no/such/dir";
    auto outcome = run(exec);
    REQUIRE(outcome.result.error);
    CHECK(outcome.result.error->stage == ErrorStage::Cwd);
    CHECK(outcome.status() == 126);
}

TEST_CASE("environment: defaults under the host's variables")
{
    auto exec = command({ "sh", "-c", "echo \"$HOME|$FOO|$PATH|${TERM-unset}\"" });
    exec.env = { "FOO=bar", "PATH=/usr/bin:/bin" };
    CHECK(run(exec).out.ends_with("|bar|/usr/bin:/bin|unset\n"));
}

TEST_CASE("user switching: by name, by uid:gid; unknown users are refused"
    * doctest::skip(partvm_test::skip_unless(::geteuid() == 0, "user switching: not root")))
{
    REQUIRE_MESSAGE(::geteuid() == 0, "not root"); // Forced by --no-skip: fail, not pass.
    auto exec = command({ "sh", "-c", "echo $(id -u):$(id -g) $HOME" });
    exec.user = "nobody";
    CHECK(run(exec).out == "65534:65534 /nonexistent\n");
    exec.user = "1234:5678";
    CHECK(run(exec).out == "1234:5678 /\n");
    auto tty = command({ "sh", "-c", "stat -c %U $(tty)" });
    tty.tty = true;
    tty.user = "nobody";
    CHECK(run(tty).out == "nobody\r\n");
    exec.user = "no-such-user-partvm";
    auto outcome = run(exec);
    REQUIRE(outcome.result.error);
    CHECK(outcome.result.error->stage == ErrorStage::User);
    CHECK(outcome.status() == 126);
}

TEST_CASE("no stdin: the command reads EOF at once")
{
    const auto outcome = run(command({ "cat" }), std::nullopt);
    CHECK(outcome.status() == 0);
    CHECK(outcome.out.empty());
}

TEST_CASE("several sessions at once on one connection, then more on the same client")
{
    ServerProcess server;
    auto client = Client::handshake(server.fd(), 5000);
    REQUIRE(client);
    CHECK(client->agent().software == "partvm-agent");
    constexpr size_t count = 6;
    std::vector<UniqueFd> ins, outs;
    std::vector<SessionSpec> specs;
    const auto data = random_bytes(1 << 20);
    // A barrier proves the sessions run at once: each marks its arrival, then waits (up to 10 s)
    // until all have arrived. Run one by one, the first would give up and exit 99.
    const partvm_test::TempDir barrier("agent-barrier");
    for (size_t i = 0; i < count; ++i) {
        ins.push_back(memfd_with(data.substr(i * 1000)));
        outs.push_back(memfd_with());
        const std::string script
            = fmt::format("touch {0}/{1}; n=0; "
                          "while [ $(ls {0} | wc -l) -lt {2} ] && [ $n -lt 1000 ]; "
                          "do sleep 0.01; n=$((n+1)); done; "
                          "[ $(ls {0} | wc -l) -ge {2} ] || exit 99; cat; exit {1}",
                barrier.path(), i, count);
        specs.push_back({ .exec = command({ "sh", "-c", script }),
            .stdin_fd = ins.back().get(),
            .stdout_fd = outs.back().get(),
            .stderr_fd = -1 });
    }
    auto results = client->run(specs);
    REQUIRE(results);
    REQUIRE(results->size() == count);
    for (size_t i = 0; i < count; ++i) {
        CHECK((*results)[i].shell_status() == static_cast<int>(i)); // 99: not concurrent.
        CHECK(contents(outs[i].get()) == data.substr(i * 1000));
    }

    auto again = client->run(std::vector<SessionSpec> {
        { .exec = command({ "true" }), .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 } });
    REQUIRE(again);
    CHECK(again->front().shell_status() == 0);
}

TEST_CASE("a process that leaves the group keeps output open only for the linger time")
{
    ServerOptions options;
    options.linger = std::chrono::milliseconds(200);
    const auto start = Clock::now();
    const auto outcome
        = run(command({ "sh", "-c", "setsid sleep 3 & echo done" }), std::nullopt, options);
    CHECK(Clock::now() - start < std::chrono::milliseconds(2500));
    CHECK(outcome.out == "done\n");
    CHECK(outcome.status() == 0);
}

TEST_CASE("background jobs left in the group die with the command")
{
    ServerOptions options;
    options.linger = std::chrono::seconds(10);
    const auto start = Clock::now();
    const auto outcome = run(command({ "sh", "-c", "sleep 30 & echo $!" }), std::nullopt, options);
    CHECK(Clock::now() - start < std::chrono::seconds(5));
    // Dead: gone, or a zombie waiting for whoever inherited it. It closes its fds (which ended
    // the session) a moment before it becomes a zombie.
    const pid_t background = std::stoi(outcome.out);
    bool dead = false;
    for (int i = 0; i < 100 && !dead; ++i) {
        const std::string stat = read_proc_stat(background);
        dead = stat.empty() || stat.find(") Z ") != std::string::npos;
        if (!dead) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    CHECK(dead);
}

TEST_CASE("pty mode: a controlling terminal of the requested size, output on stdout")
{
    auto exec = command({ "tty" });
    exec.tty = true;
    auto outcome = run(exec);
    CHECK(outcome.status() == 0);
    CHECK(outcome.out.starts_with("/dev/pts/"));
    CHECK(outcome.out.ends_with("\r\n"));
    CHECK(outcome.err.empty());

    exec.tty = false;
    CHECK(run(exec).status() == 1); // "not a tty"

    exec = command({ "sh", "-c", "stty size; echo $TERM; echo err >&2" });
    exec.tty = true;
    exec.rows = 33;
    exec.cols = 101;
    outcome = run(exec);
    CHECK(outcome.out == "33 101\r\nxterm-256color\r\nerr\r\n");
    CHECK(outcome.err.empty());
}

TEST_CASE("pty mode: stdin EOF reaches the command as VEOF, with or without a final newline")
{
    auto exec = command({ "cat" });
    exec.tty = true;
    exec.timeout_ms = 10000;
    auto outcome = run(exec, "hello\n");
    CHECK(outcome.status() == 0);
    CHECK(outcome.out.find("hello") != std::string::npos);
    outcome = run(exec, "partial");
    CHECK(outcome.status() == 0);
    CHECK(outcome.out.find("partial") != std::string::npos);
}

TEST_CASE("hooks: RESIZE reaches the pty (SIGWINCH), SIGNAL reaches the process group")
{
    SUBCASE("resize")
    {
        ServerProcess server;
        UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        int out[2];
        REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        UniqueFd out_read(out[0]), out_write(out[1]);
        std::string seen;
        std::thread reader([&] {
            char buffer[4096];
            ssize_t n;
            bool woke = false;
            while ((n = ::read(out_read.get(), buffer, sizeof buffer)) > 0) {
                seen.append(buffer, static_cast<size_t>(n));
                if (!woke && seen.find("ready") != std::string::npos) {
                    woke = true;
                    const uint64_t one = 1;
                    (void)!::write(wake.get(), &one, sizeof one);
                }
            }
        });
        Hooks hooks { .wake_fd = wake.get(), .on_wake = [&](Control& control) {
                         uint64_t value;
                         (void)!::read(wake.get(), &value, sizeof value);
                         control.resize(0, 50, 150);
                     } };
        auto exec = command({ "sh", "-c",
            "trap 'stty size; exit 0' WINCH; echo ready; while :; do sleep 0.05; done" });
        exec.tty = true;
        exec.timeout_ms = 10000;
        auto result = run_session(server.fd(), exec, -1, out_write.get(), -1, hooks);
        out_write.reset();
        reader.join();
        REQUIRE(result);
        CHECK(result->shell_status() == 0);
        CHECK(seen.find("50 150") != std::string::npos);
    }
    SUBCASE("signal")
    {
        UniqueFd wake(::eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK)); // readable at once
        Hooks hooks { .wake_fd = wake.get(), .on_wake = [&](Control& control) {
                         uint64_t value;
                         (void)!::read(wake.get(), &value, sizeof value);
                         control.signal(0, SIGTERM);
                     } };
        auto exec = command({ "sleep", "30" });
        exec.timeout_ms = 10000;
        const auto outcome = run(exec, std::nullopt, {}, hooks);
        CHECK(outcome.status() == 128 + SIGTERM);
    }
}

TEST_CASE("a closed local stdout: the session gets SIGPIPE, like a pipeline")
{
    struct sigaction ignore {
    }, old {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
    ServerProcess server;
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    ::close(out[0]);
    UniqueFd out_write(out[1]);
    auto exec = command({ "yes" });
    exec.timeout_ms = 10000;
    auto result = run_session(server.fd(), exec, -1, out_write.get(), -1);
    ::sigaction(SIGPIPE, &old, nullptr);
    REQUIRE(result);
    CHECK(result->shell_status() == 128 + SIGPIPE);
}

TEST_CASE("a dead agent is an error, not a hang")
{
    ServerProcess server;
    auto client = Client::handshake(server.fd(), 5000);
    REQUIRE(client);
    // The command says it runs on a FIFO, not on the connection: the agent must die with nothing
    // in flight there, or the clean EOF becomes a reset or a broken pipe.
    const partvm_test::TempDir dir("agent-test");
    const std::string fifo = dir.file("started");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    UniqueFd started_read(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    REQUIRE(started_read.valid());
    const SessionSpec spec {
        .exec = command({ "sh", "-c", "echo started > '" + fifo + "'; exec sleep 30" }),
        .stdin_fd = -1,
        .stdout_fd = -1,
        .stderr_fd = -1,
    };
    bool started = false;
    std::thread killer([&] {
        pollfd ready { started_read.get(), POLLIN, 0 };
        started = ::poll(&ready, 1, 10000) == 1; // Kills anyway, late, not never.
        ::kill(server.pid(), SIGKILL);
    });
    auto results = client->run(std::span(&spec, 1));
    killer.join();
    CHECK(started);
    REQUIRE_FALSE(results);
    CHECK(results.error().message == "the agent closed the connection");
}
