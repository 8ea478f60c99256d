// SPDX-License-Identifier: Apache-2.0
#include "vmm/vsock/vsock_service.h"
#include "base/log.h"
#include "vmbus-lite/hvsock/service_id.h"
#include "vmm/vsock/hybrid_handshake.h"

#include <condition_variable>
#include <fmt/core.h>
#include <mutex>
#include <optional>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vmm {

namespace {

namespace hvsock = vmbus::hvsock;

/// Host ports for host-initiated connections count up from here, as Firecracker's do.
constexpr uint32_t first_local_port = 1u << 30;
constexpr size_t handshake_read = 4096;

Error connect_error(int code, const char* what)
{
    return Error { Errc::System, code, what };
}

/// A connected pair of stream sockets: [0] for the bridge, [1] (blocking) for the user.
Result<std::pair<UniqueFd, UniqueFd>> make_socketpair()
{
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        return Error::from_errno("socketpair");
    }
    return std::pair { UniqueFd(fds[0]), UniqueFd(fds[1]) };
}

} // namespace

struct VsockService::PendingConnect {
    std::mutex lock;
    std::condition_variable done;
    std::optional<Result<UniqueFd>> result;

    void set(Result<UniqueFd> value)
    {
        {
            std::lock_guard guard(lock);
            if (result) {
                return;
            }
            result.emplace(std::move(value));
        }
        done.notify_all();
    }
};

struct VsockService::Handshake {
    UniqueFd fd;
    std::string received;
    EventLoop::WatchId read_watch { 0 };
    EventLoop::WatchId timer { 0 };
};

VsockService::VsockService(std::unique_ptr<VsockBus> bus, Options options)
    : m_owned_bus(std::move(bus))
    , m_bus(*m_owned_bus)
    , m_options(options)
    , m_next_local_port(first_local_port)
{
    m_bus.set_connect_handler(
        [this](const vmbus::TlConnectRequestMessage& request) { on_connect_request(request); });
}

VsockService::VsockService(std::unique_ptr<VsockBus> bus)
    : VsockService(std::move(bus), Options {})
{
}

VsockService::~VsockService()
{
    m_bus.set_connect_handler(nullptr);
    close_all();
}

void VsockService::listen(uint32_t port, std::function<void(UniqueFd)> on_connection)
{
    m_bus.loop().post([this, port, on_connection = std::move(on_connection)]() mutable {
        m_listeners[port] = std::move(on_connection);
    });
}

void VsockService::unlisten(uint32_t port)
{
    m_bus.loop().post([this, port] { m_listeners.erase(port); });
}

Result<UniqueFd> VsockService::connect(uint32_t guest_port, std::chrono::milliseconds timeout)
{
    auto pending = std::make_shared<PendingConnect>();
    m_bus.loop().post(
        [this, guest_port, timeout, pending] { start_connect(guest_port, timeout, pending); });
    // The loop's own timer answers first; this bound only covers a loop that stopped.
    const auto deadline = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(2);
    std::unique_lock lock(pending->lock);
    if (!pending->done.wait_until(lock, deadline, [&] { return pending->result.has_value(); })) {
        return connect_error(ETIMEDOUT, "vsock connect: the VMBus thread did not answer");
    }
    return std::move(*pending->result);
}

vmbus::OfferParams VsockService::next_host_offer(uint32_t guest_port, uint32_t& local_port)
{
    local_port = m_next_local_port;
    m_next_local_port = local_port == UINT32_MAX - 1 ? first_local_port : local_port + 1;
    return hvsock::host_connect_offer(guest_port, hvsock::host_endpoint_id(local_port, m_next_id));
}

void VsockService::start_connect(
    uint32_t guest_port, std::chrono::milliseconds timeout, std::shared_ptr<PendingConnect> pending)
{
    if (m_entries.size() >= m_options.max_connections) {
        pending->set(connect_error(ECONNREFUSED, "vsock connect: too many connections"));
        return;
    }
    auto pair = make_socketpair();
    if (!pair) {
        pending->set(pair.error());
        return;
    }
    uint32_t local_port = 0;
    const auto offer = next_host_offer(guest_port, local_port);
    Entry entry;
    entry.peer = std::move(pair->second);
    entry.pending = pending;
    VsockBridge::Options options;
    options.buffer_limit = m_options.buffer_limit;
    options.open_timeout = timeout;
    if (!start(offer, std::move(pair->first), std::move(options), std::move(entry))) {
        pending->set(connect_error(ECONNREFUSED, "vsock connect: no VMBus channel free"));
    }
}

bool VsockService::start(
    const vmbus::OfferParams& offer, UniqueFd fd, VsockBridge::Options options, Entry entry)
{
    const uint64_t id = m_next_id++;
    VsockBridge::Events& events = *this;
    entry.bridge = std::make_unique<VsockBridge>(
        m_bus, events, id, offer, std::move(fd), std::move(options));
    Entry& added = m_entries.emplace(id, std::move(entry)).first->second;
    if (m_bus.add_device(added.bridge->device()) == 0) {
        m_entries.erase(id);
        return false;
    }
    return true;
}

void VsockService::on_connect_request(const vmbus::TlConnectRequestMessage& request)
{
    const auto port = hvsock::port_of(request.host_service_id);
    const auto guest_port = hvsock::port_of(request.guest_endpoint_id);
    if (!port || !guest_port) {
        LOG_DEBUG("vsock: refused a connect that names no vsock ports");
        return;
    }
    if (m_entries.size() >= m_options.max_connections) {
        LOG_DEBUG("vsock: refused guest port {} -> {}: too many connections", *guest_port, *port);
        return;
    }
    for (const auto& [id, entry] : m_entries) {
        const auto& offer = entry.bridge->offer();
        if (!entry.removed && offer.interface_type == request.host_service_id
            && offer.interface_instance == request.guest_endpoint_id) {
            return; // A repeat: a second offer of the same channel would confuse Linux.
        }
    }
    Entry entry;
    UniqueFd fd;
    if (auto listener = m_listeners.find(*port); listener != m_listeners.end()) {
        auto pair = make_socketpair();
        if (!pair) {
            LOG_WARN("vsock: {}", pair.error().message());
            return;
        }
        fd = std::move(pair->first);
        entry.peer = std::move(pair->second);
        entry.on_connection = listener->second;
    } else if (m_unix) {
        fd = connect_hybrid_port(*port);
    }
    if (!fd.valid()) {
        LOG_DEBUG("vsock: refused guest port {} -> {}: nobody listens", *guest_port, *port);
        return;
    }
    LOG_DEBUG("vsock: guest port {} connects to host port {}", *guest_port, *port);
    VsockBridge::Options options;
    options.buffer_limit = m_options.buffer_limit;
    options.open_timeout = m_options.open_timeout;
    (void)start(hvsock::guest_connect_offer(request.host_service_id, request.guest_endpoint_id),
        std::move(fd), std::move(options), std::move(entry));
}

UniqueFd VsockService::connect_hybrid_port(uint32_t port) const
{
    auto connected = connect_unix(fmt::format("{}_{}", m_unix->path(), port));
    return connected ? std::move(connected).value() : UniqueFd();
}

void VsockService::bridge_opened(VsockBridge& bridge)
{
    auto it = m_entries.find(bridge.id());
    if (it == m_entries.end()) {
        return;
    }
    Entry& entry = it->second;
    if (entry.pending) {
        entry.pending->set(std::move(entry.peer));
        entry.pending.reset();
    } else if (entry.on_connection) {
        // Not from inside the bus's open: the listener may do anything.
        auto fd = std::make_shared<UniqueFd>(std::move(entry.peer));
        m_bus.loop().post(
            [deliver = std::move(entry.on_connection), fd] { deliver(std::move(*fd)); });
        entry.on_connection = nullptr;
    }
}

void VsockService::bridge_channel_done(VsockBridge& bridge, VsockBridge::Outcome outcome)
{
    const uint64_t id = bridge.id();
    LOG_DEBUG("vsock {}: {}", id, to_string(outcome));
    auto it = m_entries.find(id);
    if (it == m_entries.end()) {
        return;
    }
    Entry& entry = it->second;
    if (entry.pending) {
        entry.pending->set(outcome == VsockBridge::Outcome::Refused
                ? connect_error(ECONNREFUSED, "vsock connect: the guest did not accept")
                : connect_error(ECONNRESET, "vsock connect: the guest reset the connection"));
        entry.pending.reset();
    }
    entry.peer.reset(); // Never handed out: the guest did not open.
    // Rescind: Linux closes its socket only then. Not from inside the bus's own call.
    m_bus.loop().post([this, id] { remove(id); });
}

void VsockService::bridge_finished(VsockBridge& bridge)
{
    const uint64_t id = bridge.id();
    m_bus.loop().post([this, id] { retire(id); });
}

void VsockService::remove(uint64_t id)
{
    auto it = m_entries.find(id);
    if (it != m_entries.end() && !it->second.removed) {
        it->second.removed = true;
        m_bus.remove_device(it->second.bridge->device());
    }
}

void VsockService::retire(uint64_t id)
{
    remove(id);
    m_entries.erase(id);
}

void VsockService::serve_unix(std::unique_ptr<VsockUnixListener> listener)
{
    m_unix = std::move(listener);
    m_accept_watch = m_bus.loop().watch(m_unix->fd(), [this] { on_accept(); });
}

void VsockService::on_accept()
{
    while (true) {
        UniqueFd client = m_unix->accept();
        if (!client.valid()) {
            return;
        }
        if (m_handshakes.size() + m_entries.size() >= m_options.max_connections) {
            LOG_DEBUG("vsock: hybrid client dropped: too many connections");
            continue; // Closed on scope exit.
        }
        const uint64_t id = m_next_id++;
        auto handshake = std::make_unique<Handshake>();
        handshake->fd = std::move(client);
        handshake->read_watch = m_bus.loop().when_ready(
            handshake->fd.get(), POLLIN, [this, id] { on_handshake_readable(id); });
        handshake->timer
            = m_bus.loop().after(m_options.handshake_timeout, [this, id] { end_handshake(id); });
        m_handshakes.emplace(id, std::move(handshake));
    }
}

void VsockService::on_handshake_readable(uint64_t id)
{
    auto it = m_handshakes.find(id);
    if (it == m_handshakes.end()) {
        return;
    }
    Handshake& handshake = *it->second;
    handshake.read_watch = 0;
    char buffer[handshake_read];
    const ssize_t n = ::read(handshake.fd.get(), buffer, sizeof(buffer));
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        handshake.read_watch = m_bus.loop().when_ready(
            handshake.fd.get(), POLLIN, [this, id] { on_handshake_readable(id); });
        return;
    }
    if (n <= 0) {
        end_handshake(id); // EOF or an error before a request.
        return;
    }
    handshake.received.append(buffer, size_t(n));
    auto request = parse_connect_request(handshake.received);
    if (std::holds_alternative<NeedMore>(request)) {
        handshake.read_watch = m_bus.loop().when_ready(
            handshake.fd.get(), POLLIN, [this, id] { on_handshake_readable(id); });
        return;
    }
    if (auto* connect = std::get_if<ConnectRequest>(&request)) {
        UniqueFd fd = std::move(handshake.fd);
        const uint32_t port = connect->port;
        std::string early = std::move(connect->early_data);
        end_handshake(id);
        start_hybrid_connect(port, std::move(fd), std::move(early));
        return;
    }
    LOG_DEBUG("vsock: hybrid client sent no CONNECT request");
    end_handshake(id);
}

void VsockService::end_handshake(uint64_t id)
{
    auto it = m_handshakes.find(id);
    if (it == m_handshakes.end()) {
        return;
    }
    for (EventLoop::WatchId watch : { it->second->read_watch, it->second->timer }) {
        if (watch != 0) {
            m_bus.loop().unwatch(watch);
        }
    }
    m_handshakes.erase(it); // Closes the client unless its fd moved on.
}

void VsockService::start_hybrid_connect(uint32_t guest_port, UniqueFd fd, std::string early_data)
{
    if (m_entries.size() >= m_options.max_connections) {
        return; // Closing the socket is the refusal.
    }
    uint32_t local_port = 0;
    const auto offer = next_host_offer(guest_port, local_port);
    LOG_DEBUG("vsock: host port {} connects to guest port {}", local_port, guest_port);
    VsockBridge::Options options {
        .buffer_limit = m_options.buffer_limit,
        .open_timeout = m_options.open_timeout,
        .greeting = ok_line(local_port),
        .initial_data = std::move(early_data),
    };
    (void)start(offer, std::move(fd), std::move(options), Entry {});
}

void VsockService::close_all()
{
    for (auto& [id, handshake] : m_handshakes) {
        for (EventLoop::WatchId watch : { handshake->read_watch, handshake->timer }) {
            if (watch != 0) {
                m_bus.loop().unwatch(watch);
            }
        }
    }
    m_handshakes.clear();
    if (m_accept_watch != 0) {
        m_bus.loop().unwatch(m_accept_watch);
        m_accept_watch = 0;
    }
    m_unix.reset();
    // Take the entries out first: removing an open device reports its close back to us.
    auto entries = std::move(m_entries);
    m_entries.clear();
    for (auto& [id, entry] : entries) {
        if (!entry.removed) {
            entry.removed = true;
            m_bus.remove_device(entry.bridge->device());
        }
        if (entry.pending) {
            entry.pending->set(connect_error(ECONNABORTED, "vsock connect: the VM stopped"));
        }
    }
    m_listeners.clear();
}

} // namespace vmm
