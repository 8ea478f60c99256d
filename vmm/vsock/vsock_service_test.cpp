// SPDX-License-Identifier: Apache-2.0
// VsockService and VsockBridge on a real event loop thread, against a fake bus whose channels are
// rings in plain memory with the model of Linux 6.1's hv_sock at the guest end. The host side is
// real sockets.
#include "vmm/vsock/vsock_service.h"

#include "tests/support/temp_dir.h"
#include "vmbus-lite/hvsock/hvsock_test_support.h"
#include "vmbus-lite/hvsock/service_id.h"

#include <doctest/doctest.h>
#include <future>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace vmm;
using namespace std::chrono_literals;
using partvm_test::TempDir;
using vmbus::hvsock::service_id;
using vmbus::hvsock::testing::LinuxHvSockGuest;
using vmbus::hvsock::testing::pattern;
using vmbus::hvsock::testing::SignalCounter;

namespace {

/// One offered channel: its rings, the Linux model, and what the bus did with it.
struct FakeChannel {
    FakeChannel(vmbus::Device& owner, uint32_t id)
        : device(&owner)
        , relid(id)
        , offer(owner.offer())
        , to_guest(new vmbus::FlatRingMemory(24 * 1024))
        , to_host(new vmbus::FlatRingMemory(24 * 1024))
        , channel(id, 0,
              vmbus::RingPair { std::unique_ptr<vmbus::RingMemory>(to_host),
                  std::unique_ptr<vmbus::RingMemory>(to_guest) },
              signals)
        , guest(*to_guest, *to_host)
    {
        to_guest->store(vmbus::RingControl::FeatureBits, 1);
        to_host->store(vmbus::RingControl::FeatureBits, 1);
    }

    vmbus::Device* device; // Null once removed.
    uint32_t relid;
    vmbus::OfferParams offer;
    vmbus::FlatRingMemory* to_guest; // Owned by `channel`.
    vmbus::FlatRingMemory* to_host;
    SignalCounter signals;
    vmbus::OpenChannel channel;
    LinuxHvSockGuest guest;
    bool opened { false };
    bool closed { false };
    int handled_guest { 0 };
    int handled_host { 0 };
};

/// The control plane as the service sees it, with a Linux guest that opens every offer (a
/// socket waits for each) unless told not to.
class FakeBus final : public VsockBus {
public:
    explicit FakeBus(EventLoop& loop)
        : m_loop(loop)
    {
    }

    EventLoop& loop() override { return m_loop; }
    uint32_t add_device(vmbus::Device& device) override
    {
        const uint32_t relid = next_relid++;
        channels.emplace(relid, std::make_unique<FakeChannel>(device, relid));
        ++offers;
        if (auto_open) {
            m_loop.post([this, relid] { open(relid); }); // The guest answers the offer later.
        }
        return relid;
    }
    void remove_device(vmbus::Device& device) override
    {
        for (auto& [relid, channel] : channels) {
            if (channel->device == &device) {
                if (channel->opened && !channel->closed) {
                    channel->closed = true;
                    device.closed(channel->channel);
                }
                channel->device = nullptr;
                ++rescinds;
            }
        }
    }
    void service_channel(uint32_t relid) override
    {
        if (auto it = channels.find(relid); it != channels.end()) {
            service(*it->second);
        }
    }
    void set_connect_handler(ConnectHandler handler) override
    {
        connect_handler = std::move(handler);
    }

    void open(uint32_t relid)
    {
        FakeChannel& channel = *channels.at(relid);
        if (channel.device && !channel.opened) {
            channel.opened = channel.device->opened(channel.channel, {});
            channel.guest.open();
        }
    }
    void service(FakeChannel& channel)
    {
        if (!channel.device || !channel.opened || channel.closed) {
            return;
        }
        if (!channel.channel.service(*channel.device)) {
            guest_close(channel);
        }
    }
    void guest_close(FakeChannel& channel)
    {
        if (channel.device && !channel.closed) {
            channel.closed = true;
            channel.device->closed(channel.channel);
        }
    }
    /// Lets every guest run: interrupts in, signals out, until all are quiet.
    void pump()
    {
        for (auto& [relid, channel] : channels) {
            for (int round = 0; round < 10000; ++round) {
                bool progress = false;
                if (channel->handled_guest < channel->signals.signals) {
                    channel->handled_guest = channel->signals.signals;
                    channel->guest.interrupt();
                    progress = true;
                }
                if (channel->handled_host < channel->guest.signals_to_host) {
                    channel->handled_host = channel->guest.signals_to_host;
                    service(*channel);
                    progress = true;
                }
                if (!progress) {
                    break;
                }
            }
        }
    }
    FakeChannel& last() { return *channels.rbegin()->second; }

    std::map<uint32_t, std::unique_ptr<FakeChannel>> channels;
    ConnectHandler connect_handler;
    bool auto_open { true };
    int offers { 0 };
    int rescinds { 0 };
    uint32_t next_relid { 1 };

private:
    EventLoop& m_loop;
};

/// The service on a loop thread, with the guests running every millisecond.
struct Fixture {
    explicit Fixture(VsockService::Options options = {})
        : loop(EventLoop::create().value())
    {
        auto fake = std::make_unique<FakeBus>(*loop);
        bus = fake.get();
        service = std::make_unique<VsockService>(std::move(fake), options);
        tick();
        thread = std::thread([this] { loop->run(); });
    }
    ~Fixture()
    {
        call([this] {
            service->close_all();
            stopping = true;
        });
        loop->stop();
        thread.join();
        service.reset();
    }

    void tick()
    {
        loop->after(1ms, [this] {
            if (!stopping) {
                bus->pump();
                tick();
            }
        });
    }
    template<class F> auto call(F function) -> decltype(function())
    {
        std::packaged_task<decltype(function())()> task(std::move(function));
        auto result = task.get_future();
        loop->post([&task] { task(); });
        return result.get();
    }
    /// Waits (up to 10 s) until `condition` holds on the loop thread.
    template<class F> bool eventually(F condition)
    {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (call(condition)) {
                return true;
            }
            std::this_thread::sleep_for(1ms);
        }
        return false;
    }
    void guest_connects(uint32_t guest_port, uint32_t host_port)
    {
        call([&] {
            vmbus::TlConnectRequestMessage request {};
            request.header.msgtype = vmbus::MessageType::TlConnectRequest;
            request.guest_endpoint_id = service_id(guest_port);
            request.host_service_id = service_id(host_port);
            bus->connect_handler(request);
        });
    }

    std::unique_ptr<EventLoop> loop;
    FakeBus* bus;
    std::unique_ptr<VsockService> service;
    bool stopping { false };
    std::thread thread;
};

void write_all(int fd, std::span<const std::byte> bytes)
{
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        REQUIRE(n > 0);
        bytes = bytes.subspan(size_t(n));
    }
}

void write_all(int fd, std::string_view text)
{
    write_all(fd, std::as_bytes(std::span(text)));
}

/// Reads until `count` bytes or EOF, waiting up to 10 s in all.
std::vector<std::byte> read_some(int fd, size_t count)
{
    std::vector<std::byte> bytes;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (bytes.size() < count && std::chrono::steady_clock::now() < deadline) {
        pollfd ready { fd, POLLIN, 0 };
        if (::poll(&ready, 1, 100) <= 0) {
            continue;
        }
        std::byte buffer[65536];
        const ssize_t n = ::read(fd, buffer, std::min(sizeof(buffer), count - bytes.size()));
        if (n <= 0) {
            break;
        }
        bytes.insert(bytes.end(), buffer, buffer + n);
    }
    return bytes;
}

std::string read_text(int fd, size_t count)
{
    auto bytes = read_some(fd, count);
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

/// True when the next read sees EOF (or a reset) within 10 s.
bool reads_eof(int fd)
{
    pollfd ready { fd, POLLIN, 0 };
    if (::poll(&ready, 1, 10000) <= 0) {
        return false;
    }
    char byte;
    return ::read(fd, &byte, 1) <= 0;
}

std::vector<std::byte> bytes_of(std::string_view text)
{
    auto span = std::as_bytes(std::span(text));
    return { span.begin(), span.end() };
}

} // namespace

TEST_CASE("listen: a guest connect reaches the listener; bytes, FINs and the rescind follow")
{
    Fixture f;
    std::promise<UniqueFd> accepted;
    f.service->listen(5000, [&](UniqueFd fd) { accepted.set_value(std::move(fd)); });
    f.guest_connects(1025, 5000);
    auto future = accepted.get_future();
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    UniqueFd fd = future.get();

    const auto offer = f.call([&] { return f.bus->last().offer; });
    CHECK(offer.interface_type == service_id(5000));
    CHECK(offer.interface_instance == service_id(1025));
    CHECK(offer.channel_flags == vmbus::hvsock::offer_flags);
    CHECK(offer.user_defined[4] == 0);

    write_all(fd.get(), "hello");
    CHECK(f.eventually([&] { return f.bus->last().guest.received == bytes_of("hello"); }));
    f.call([&] { f.bus->last().guest.write(bytes_of("world")); });
    CHECK(read_text(fd.get(), 5) == "world");

    f.call([&] { f.bus->last().guest.shutdown_write(); });
    CHECK(reads_eof(fd.get()));
    CHECK(f.call([&] { return f.bus->rescinds; }) == 0); // Half-closed: still connected.
    write_all(fd.get(), "bye");
    ::shutdown(fd.get(), SHUT_WR);
    CHECK(f.eventually([&] { return f.bus->last().guest.eof; }));
    CHECK(f.call([&] { return f.bus->last().guest.received == bytes_of("hellobye"); }));
    CHECK(f.eventually([&] { return f.bus->rescinds == 1; }));
    CHECK(f.eventually([&] { return f.service->connection_count() == 0; }));
}

TEST_CASE("a guest connect to a port nobody listens on gets no offer")
{
    Fixture f;
    f.service->listen(5000, [](UniqueFd) {});
    f.guest_connects(1025, 5001);
    f.guest_connects(1026, 5000);
    CHECK(f.eventually([&] { return f.bus->offers == 1; }));
    CHECK(f.call([&] { return f.bus->last().offer.interface_type; }) == service_id(5000));
    f.service->unlisten(5000);
    f.guest_connects(1027, 5000);
    CHECK(f.call([&] { return f.bus->offers; }) == 1);
}

TEST_CASE("connect: the guest's listener opens the channel; no open in time is a refusal")
{
    Fixture f;
    auto fd = f.service->connect(80, 5s);
    REQUIRE(fd);
    const auto offer = f.call([&] { return f.bus->last().offer; });
    CHECK(offer.interface_type == service_id(80));
    CHECK(offer.user_defined[4] == 1); // Linux looks for a listener, not a connecting socket.
    const uint32_t local_port = uint32_t(offer.interface_instance[0])
        | uint32_t(offer.interface_instance[1]) << 8 | uint32_t(offer.interface_instance[2]) << 16
        | uint32_t(offer.interface_instance[3]) << 24;
    CHECK(local_port == 1u << 30);
    write_all(fd->get(), "ping");
    CHECK(f.eventually([&] { return f.bus->last().guest.received == bytes_of("ping"); }));

    f.call([&] { f.bus->auto_open = false; });
    const auto start = std::chrono::steady_clock::now();
    auto refused = f.service->connect(81, 200ms);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().sys_errno == ECONNREFUSED);
    CHECK(std::chrono::steady_clock::now() - start >= 200ms);
    CHECK(f.eventually([&] { return f.bus->rescinds == 1; }));
    CHECK(f.call([&] { return f.service->connection_count(); }) == 1); // The first lives on.
}

TEST_CASE("4 MiB each way at once arrive whole and in order")
{
    Fixture f;
    auto fd = f.service->connect(80, 5s);
    REQUIRE(fd);
    const auto to_guest = pattern(4 << 20, 1);
    const auto to_host = pattern(4 << 20, 2);
    std::thread writer([&] { write_all(fd->get(), to_guest); });
    f.call([&] { f.bus->last().guest.write(to_host); });
    CHECK(read_some(fd->get(), to_host.size()) == to_host);
    writer.join();
    CHECK(f.eventually([&] { return f.bus->last().guest.received.size() == to_guest.size(); }));
    CHECK(f.call([&] { return f.bus->last().guest.received == to_guest; }));
    CHECK(f.call([&] { return f.bus->last().guest.errors.empty(); }));
}

TEST_CASE("back-pressure: a side that stops reading stops the other, with bounded buffers")
{
    VsockService::Options options;
    options.buffer_limit = 64 * 1024;
    Fixture f(options);
    auto fd = f.service->connect(80, 5s);
    REQUIRE(fd);
    int sndbuf = 0;
    socklen_t length = sizeof(sndbuf);
    REQUIRE(::getsockopt(fd->get(), SOL_SOCKET, SO_SNDBUF, &sndbuf, &length) == 0);

    SUBCASE("a host program that does not read blocks the guest")
    {
        const auto data = pattern(4 << 20, 3);
        f.call([&] { f.bus->last().guest.write(data); });
        std::this_thread::sleep_for(200ms);
        const size_t unsent = f.call([&] { return f.bus->last().guest.unsent.size(); });
        // In flight at most: the socket's buffers, ours, and the guest's ring.
        CHECK(data.size() - unsent <= 2 * size_t(sndbuf) + options.buffer_limit + 24 * 1024);
        CHECK(read_some(fd->get(), data.size()) == data);
    }
    SUBCASE("a guest that does not read stops partvm reading the host socket")
    {
        f.call([&] { f.bus->last().guest.auto_read = false; });
        UniqueFd writer(::dup(fd->get()));
        REQUIRE(::fcntl(writer.get(), F_SETFL, O_NONBLOCK) == 0);
        size_t written = 0;
        const auto chunk = pattern(65536, 4);
        for (int quiet = 0; quiet < 20;) {
            const ssize_t n = ::write(writer.get(), chunk.data(), chunk.size());
            if (n > 0) {
                written += size_t(n);
                quiet = 0;
            } else {
                REQUIRE(errno == EAGAIN);
                ++quiet;
                std::this_thread::sleep_for(5ms);
            }
        }
        CHECK(written <= 2 * size_t(sndbuf) + options.buffer_limit + 24 * 1024);
        f.call([&] {
            auto& guest = f.bus->last().guest;
            guest.auto_read = true;
            guest.read();
        });
        CHECK(f.eventually([&] { return f.bus->last().guest.received.size() == written; }));
    }
}

TEST_CASE("the guest closing the channel closes the host socket")
{
    Fixture f;
    auto fd = f.service->connect(80, 5s);
    REQUIRE(fd);
    f.call([&] { f.bus->guest_close(f.bus->last()); });
    CHECK(reads_eof(fd->get()));
    CHECK(f.eventually([&] { return f.bus->rescinds == 1; }));
    CHECK(f.eventually([&] { return f.service->connection_count() == 0; }));
}

TEST_CASE("a host program closing its socket sends FIN and rescinds without the guest's FIN")
{
    Fixture f;
    auto fd = f.service->connect(80, 5s);
    REQUIRE(fd);
    write_all(fd->get(), "last words");
    fd->reset();
    CHECK(f.eventually([&] { return f.bus->last().guest.eof; }));
    CHECK(f.call([&] { return f.bus->last().guest.received == bytes_of("last words"); }));
    CHECK(f.eventually([&] { return f.bus->rescinds == 1; }));
    CHECK(f.eventually([&] { return f.service->connection_count() == 0; }));
}

TEST_CASE("hybrid: CONNECT <port> is answered OK <local port> and bridged; failures close")
{
    TempDir dir("vsock-test");
    VsockService::Options options;
    options.open_timeout = 200ms;
    options.handshake_timeout = 300ms;
    Fixture f(options);
    auto listener = VsockUnixListener::create(dir.file("vm.sock"));
    REQUIRE(listener);
    const std::string path = (*listener)->path();
    f.call([&] { f.service->serve_unix(std::move(listener).value()); });

    auto client = connect_unix(path);
    REQUIRE(client);
    REQUIRE(::fcntl(client->get(), F_SETFL, 0) == 0);
    write_all(client->get(), "CONNECT 5000\nearly");
    CHECK(read_text(client->get(), 14) == "OK 1073741824\n");
    CHECK(f.eventually([&] { return f.bus->last().guest.received == bytes_of("early"); }));
    f.call([&] { f.bus->last().guest.write(bytes_of("reply")); });
    CHECK(read_text(client->get(), 5) == "reply");

    SUBCASE("the guest does not accept")
    {
        f.call([&] { f.bus->auto_open = false; });
        auto refused = connect_unix(path);
        REQUIRE(refused);
        write_all(refused->get(), "CONNECT 5001\n");
        CHECK(reads_eof(refused->get()));
    }
    SUBCASE("not a CONNECT request")
    {
        auto junk = connect_unix(path);
        REQUIRE(junk);
        write_all(junk->get(), "HELLO\n");
        CHECK(reads_eof(junk->get()));
    }
    SUBCASE("no request at all")
    {
        auto silent = connect_unix(path);
        REQUIRE(silent);
        CHECK(reads_eof(silent->get())); // The handshake timeout.
    }
    CHECK(f.call([&] { return f.bus->offers; }) <= 2);
}

TEST_CASE("hybrid: a guest connect goes to PATH_port when a program listens there")
{
    TempDir dir("vsock-test");
    Fixture f;
    auto listener = VsockUnixListener::create(dir.file("vm.sock"));
    REQUIRE(listener);
    const std::string path = (*listener)->path();
    f.call([&] { f.service->serve_unix(std::move(listener).value()); });
    auto program = VsockUnixListener::create(path + "_52");
    REQUIRE(program);

    f.guest_connects(1025, 53); // Nobody at PATH_53.
    f.guest_connects(1026, 52);
    CHECK(f.eventually([&] { return f.bus->offers == 1; }));
    CHECK(f.call([&] { return f.bus->last().offer.interface_type; }) == service_id(52));
    UniqueFd accepted;
    for (int i = 0; i < 1000 && !accepted.valid(); ++i) {
        accepted = (*program)->accept();
        std::this_thread::sleep_for(1ms);
    }
    REQUIRE(accepted.valid());
    REQUIRE(::fcntl(accepted.get(), F_SETFL, 0) == 0);
    f.call([&] { f.bus->last().guest.write(bytes_of("from guest")); });
    CHECK(read_text(accepted.get(), 10) == "from guest");
    write_all(accepted.get(), "from host");
    CHECK(f.eventually([&] { return f.bus->last().guest.received == bytes_of("from host"); }));
}

TEST_CASE("close_all rescinds every channel and fails a connect in progress")
{
    Fixture f;
    f.call([&] { f.bus->auto_open = false; });
    auto pending = std::async(std::launch::async, [&] { return f.service->connect(80, 30s); });
    CHECK(f.eventually([&] { return f.bus->offers == 1; }));
    f.call([&] { f.service->close_all(); });
    REQUIRE(pending.wait_for(5s) == std::future_status::ready);
    auto result = pending.get();
    REQUIRE_FALSE(result);
    CHECK(result.error().sys_errno == ECONNABORTED);
    CHECK(f.call([&] { return f.bus->rescinds; }) == 1);
}
