// SPDX-License-Identifier: Apache-2.0
// The server against a raw, scripted host: the handshake, protocol errors (which end the
// connection with ERROR on session 0), session-level refusals, and teardown.
#include "agent/server/server.h"

#include "agent/protocol/codec.h"
#include "agent/protocol/frame_reader.h"
#include "agent/protocol/limits.h"
#include "agent/server/server_test_support.h"
#include "base/bytes.h"

#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <poll.h>

using namespace agent::protocol;
using agent::server::ServerOptions;
using agent::server::StopCause;
using agent::server::testing::exit_code_of;
using agent::server::testing::ServerProcess;

namespace {

/// A host that writes frames by hand and reads the agent's, blocking with a timeout.
class RawHost {
public:
    explicit RawHost(int fd)
        : m_fd(fd)
    {
    }
    void send_bytes(std::span<const std::byte> bytes)
    {
        while (!bytes.empty()) {
            const ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) {
                return; // the server hung up: the test looks at what it said before
            }
            bytes = bytes.subspan(static_cast<size_t>(n));
        }
    }
    template<class M> void send(const M& message)
    {
        std::vector<std::byte> wire;
        encode(message, wire);
        send_bytes(wire);
    }
    void hello() { send(Hello { 1, 1, "test" }); }

    /// The next message; nullopt on EOF or after 5 s. Views stay valid until the next call.
    std::optional<AgentMessage> next()
    {
        while (true) {
            auto frame = m_reader.next();
            REQUIRE(frame.has_value());
            if (*frame) {
                m_payload.assign((*frame)->payload.begin(), (*frame)->payload.end());
                auto message = decode_agent_message({ (*frame)->type, m_payload });
                REQUIRE(message.has_value());
                return *message;
            }
            pollfd pfd { .fd = m_fd, .events = POLLIN, .revents = 0 };
            if (::poll(&pfd, 1, 5000) <= 0) {
                return std::nullopt;
            }
            const auto space = m_reader.prepare(65536);
            const ssize_t n = ::read(m_fd, space.data(), space.size());
            if (n <= 0) {
                return std::nullopt;
            }
            m_reader.commit(static_cast<size_t>(n));
        }
    }
    template<class T> T expect()
    {
        auto message = next();
        REQUIRE(message.has_value());
        REQUIRE(std::holds_alternative<T>(*message));
        return std::get<T>(*message);
    }
    /// Skips window updates and output until a message of type T.
    template<class T> T expect_skipping()
    {
        while (true) {
            auto message = next();
            REQUIRE(message.has_value());
            if (std::holds_alternative<T>(*message)) {
                return std::get<T>(*message);
            }
        }
    }

private:
    int m_fd;
    FrameReader m_reader;
    std::vector<std::byte> m_payload;
};

Exec exec_of(uint32_t session, std::vector<std::string> argv)
{
    Exec exec;
    exec.session = session;
    exec.argv = std::move(argv);
    return exec;
}

} // namespace

TEST_CASE("the agent speaks first: HELLO with version 1")
{
    ServerProcess server;
    RawHost host(server.fd());
    const auto hello = host.expect<Hello>();
    CHECK(hello.min_version == 1);
    CHECK(hello.max_version == 1);
    CHECK(hello.software == "partvm-agent");
    CHECK(server.stop() == exit_code_of(StopCause::ConnectionClosed));
}

TEST_CASE("anything before HELLO is a protocol error that ends the connection")
{
    ServerProcess server;
    RawHost host(server.fd());
    host.expect<Hello>();
    host.send(exec_of(1, { "true" }));
    const auto error = host.expect<ErrorReport>();
    CHECK(error.session == 0);
    CHECK(error.stage == ErrorStage::Protocol);
    CHECK(error.code == EPROTO);
    CHECK_FALSE(host.next().has_value()); // closed
    CHECK(server.wait() == exit_code_of(StopCause::ProtocolError));
}

TEST_CASE("a host without version 1 is refused")
{
    ServerProcess server;
    RawHost host(server.fd());
    host.expect<Hello>();
    host.send(Hello { 2, 5, "future" });
    const auto error = host.expect<ErrorReport>();
    CHECK(error.code == EPROTONOSUPPORT);
    CHECK(server.wait() == exit_code_of(StopCause::ProtocolError));
}

TEST_CASE("malformed frames end the connection: bad length, unknown type, second HELLO")
{
    SUBCASE("length 0")
    {
        ServerProcess server;
        RawHost host(server.fd());
        host.hello();
        host.send_bytes(std::vector<std::byte>(4, std::byte { 0 }));
        CHECK(host.expect_skipping<ErrorReport>().session == 0);
        CHECK(server.wait() == exit_code_of(StopCause::ProtocolError));
    }
    SUBCASE("length over the maximum")
    {
        ServerProcess server;
        RawHost host(server.fd());
        host.hello();
        std::vector<std::byte> header(4);
        vmm::store_le<uint32_t>(header, 0, max_frame_length + 1);
        host.send_bytes(header);
        CHECK(host.expect_skipping<ErrorReport>().session == 0);
        CHECK(server.wait() == exit_code_of(StopCause::ProtocolError));
    }
    SUBCASE("an agent-to-host type")
    {
        ServerProcess server;
        RawHost host(server.fd());
        host.hello();
        host.send(Started { 1, 1 });
        CHECK(host.expect_skipping<ErrorReport>().session == 0);
        CHECK(server.wait() == exit_code_of(StopCause::ProtocolError));
    }
    SUBCASE("HELLO twice")
    {
        ServerProcess server;
        RawHost host(server.fd());
        host.hello();
        host.hello();
        CHECK(host.expect_skipping<ErrorReport>().session == 0);
        CHECK(server.wait() == exit_code_of(StopCause::ProtocolError));
    }
}

TEST_CASE("STDIN beyond the window is a protocol error")
{
    ServerProcess server;
    RawHost host(server.fd());
    host.hello();
    host.send(exec_of(1, { "sleep", "10" }));
    // sleep never reads: the agent can take its window plus what the pipe holds, and credits
    // back only what went into the pipe.
    const std::vector<std::byte> chunk(max_data_chunk);
    for (size_t sent = 0; sent < 2 * initial_window; sent += chunk.size()) {
        host.send(Stdin { 1, chunk });
    }
    const auto error = host.expect_skipping<ErrorReport>();
    CHECK(error.session == 0);
    CHECK(error.message == "STDIN beyond the window");
    CHECK(server.wait() == exit_code_of(StopCause::ProtocolError));
}

TEST_CASE("messages for sessions that do not exist are ignored")
{
    ServerProcess server;
    RawHost host(server.fd());
    host.expect<Hello>();
    host.hello();
    const std::vector<std::byte> data(100);
    host.send(Stdin { 9, data });
    host.send(StdinEof { 9 });
    host.send(Signal { 9, SIGKILL });
    host.send(Resize { 9, 1, 1 });
    host.send(OutputWindow { 9, 100 });
    host.send(exec_of(1, { "true" }));
    CHECK(host.expect<Started>().session == 1);
    const auto exited = host.expect_skipping<Exited>();
    CHECK(exited.session == 1);
    CHECK_FALSE(exited.signaled);
    CHECK(exited.value == 0);
}

TEST_CASE("a session id in use, and more than max_sessions, are refused per session")
{
    ServerProcess server;
    RawHost host(server.fd());
    host.expect<Hello>();
    host.hello();
    for (uint32_t id = 1; id <= max_sessions; ++id) {
        host.send(exec_of(id, { "sleep", "30" }));
        host.send(StdinEof { id });
    }
    for (uint32_t i = 0; i < max_sessions; ++i) {
        host.expect_skipping<Started>();
    }
    host.send(exec_of(1, { "true" }));
    auto error = host.expect_skipping<ErrorReport>();
    CHECK(error.session == 1);
    CHECK(error.stage == ErrorStage::Session);
    CHECK(error.code == EEXIST);
    host.send(exec_of(max_sessions + 1, { "true" }));
    error = host.expect_skipping<ErrorReport>();
    CHECK(error.session == max_sessions + 1);
    CHECK(error.code == EAGAIN);
    // The connection still works: end one session with a signal.
    host.send(Signal { 5, SIGTERM });
    const auto exited = host.expect_skipping<Exited>();
    CHECK(exited.session == 5);
    CHECK(exited.signaled);
    CHECK(exited.value == SIGTERM);
    CHECK(server.stop() == exit_code_of(StopCause::ConnectionClosed));
}

TEST_CASE("closing the connection kills every running session")
{
    ServerProcess server;
    RawHost host(server.fd());
    host.expect<Hello>();
    host.hello();
    host.send(exec_of(1, { "sleep", "30" }));
    const auto started = host.expect<Started>();
    const auto pid = static_cast<pid_t>(started.pid);
    CHECK(::kill(pid, 0) == 0);
    CHECK(server.stop() == exit_code_of(StopCause::ConnectionClosed));
    CHECK(::kill(pid, 0) < 0); // killed and reaped by the server
}

TEST_CASE("a stop signal ends serve()")
{
    ServerOptions options;
    options.stop_signals = { SIGUSR2 };
    ServerProcess server(options);
    RawHost host(server.fd());
    host.expect<Hello>();
    ::kill(server.pid(), SIGUSR2);
    CHECK(server.wait() == exit_code_of(StopCause::Signal));
}

TEST_CASE("STARTED comes before any output, EXITED after all of it")
{
    ServerProcess server;
    RawHost host(server.fd());
    host.expect<Hello>();
    host.hello();
    host.send(exec_of(3, { "sh", "-c", "echo one; echo two >&2; echo three" }));
    host.send(StdinEof { 3 });
    CHECK(host.expect<Started>().session == 3);
    size_t output_bytes = 0;
    while (true) {
        auto message = host.next();
        REQUIRE(message.has_value());
        if (auto* output = std::get_if<Output>(&*message)) {
            output_bytes += output->data.size();
            continue;
        }
        REQUIRE(std::holds_alternative<Exited>(*message));
        break;
    }
    CHECK(output_bytes == 14);
}
