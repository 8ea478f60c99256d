// SPDX-License-Identifier: Apache-2.0
#include "vmm/vsock/vsock_bridge.h"
#include "base/log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vmm {

namespace {

using vmbus::hvsock::HvSockConnection;

constexpr size_t read_chunk = 64 * 1024;

/// A non-blocking send that never raises SIGPIPE. Bytes written (0: would block), or nullopt
/// when the socket failed.
std::optional<size_t> send_some(int fd, std::span<const std::byte> bytes)
{
    while (true) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            return size_t(n);
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return 0;
        }
        return std::nullopt;
    }
}

} // namespace

VsockBridge::VsockBridge(VsockBus& bus, Events& events, uint64_t id,
    const vmbus::OfferParams& offer, UniqueFd fd, Options options)
    : m_bus(bus)
    , m_events(events)
    , m_id(id)
    , m_offer(offer)
    , m_fd(std::move(fd))
    , m_options(std::move(options))
    , m_connection(offer, *this)
    , m_alive(std::make_shared<bool>(true))
{
    const int flags = ::fcntl(m_fd.get(), F_GETFL);
    if (flags >= 0) {
        (void)::fcntl(m_fd.get(), F_SETFL, flags | O_NONBLOCK);
    }
    m_to_guest.append(std::as_bytes(std::span(m_options.initial_data)));
    m_open_timer = m_bus.loop().after(m_options.open_timeout, [this] {
        m_open_timer = 0;
        on_open_timeout();
    });
}

VsockBridge::~VsockBridge()
{
    *m_alive = false;
    for (EventLoop::WatchId watch : { m_open_timer, m_read_watch, m_write_watch }) {
        if (watch != 0) {
            m_bus.loop().unwatch(watch);
        }
    }
}

void VsockBridge::defer(std::function<void()> function)
{
    m_bus.loop().post([alive = m_alive, function = std::move(function)] {
        if (*alive) {
            function();
        }
    });
}

void VsockBridge::on_open()
{
    m_opened = true;
    if (m_open_timer != 0) {
        m_bus.loop().unwatch(m_open_timer);
        m_open_timer = 0;
    }
    m_to_host.push_front(std::as_bytes(std::span(m_options.greeting)));
    m_events.bridge_opened(*this);
    // The guest learns that the channel is open only after this returns: start on the next turn.
    defer([this] { start(); });
}

void VsockBridge::start()
{
    if (m_channel_done) {
        return;
    }
    on_fd_writable(); // The greeting, and guest bytes that came meanwhile.
    pump_to_guest();
    arm_read();
}

void VsockBridge::on_open_timeout()
{
    if (m_opened || m_channel_done) {
        return;
    }
    LOG_DEBUG("vsock {}: the guest did not open the channel in time", m_id);
    m_connection.abort();
    end_channel(Outcome::Refused);
}

size_t VsockBridge::on_data(std::span<const std::byte> data)
{
    if (m_reset) {
        return data.size();
    }
    size_t taken = 0;
    if (m_to_host.empty()) {
        auto sent = send_some(m_fd.get(), data);
        if (!sent) {
            fail_fd("write");
            return data.size();
        }
        taken = *sent;
    }
    const size_t room = m_options.buffer_limit - std::min(m_options.buffer_limit, m_to_host.size());
    const size_t queued = std::min(room, data.size() - taken);
    m_to_host.append(data.subspan(taken, queued));
    if (!m_to_host.empty()) {
        arm_write();
    }
    return taken + queued;
}

void VsockBridge::on_peer_shutdown()
{
    m_peer_fin = true;
    after_flush();
}

void VsockBridge::on_writable()
{
    pump_to_guest();
    arm_read();
}

void VsockBridge::on_closed(HvSockConnection::CloseReason reason)
{
    LOG_DEBUG("vsock {}: channel closed: {}", m_id, vmbus::hvsock::to_string(reason));
    end_channel(
        reason == HvSockConnection::CloseReason::Finished ? Outcome::Finished : Outcome::Reset);
}

void VsockBridge::request_service()
{
    defer([this] {
        if (const uint32_t relid = m_connection.relid(); relid != 0 && !m_channel_done) {
            m_bus.service_channel(relid);
        }
    });
}

void VsockBridge::arm_read()
{
    if (m_read_watch != 0 || !m_opened || m_host_eof || m_channel_done
        || m_to_guest.size() >= m_options.buffer_limit) {
        return;
    }
    m_read_watch = m_bus.loop().when_ready(m_fd.get(), POLLIN, [this] {
        m_read_watch = 0;
        on_readable();
    });
}

void VsockBridge::on_readable()
{
    while (!m_channel_done && !m_host_eof && m_to_guest.size() < m_options.buffer_limit) {
        auto space
            = m_to_guest.prepare(std::min(read_chunk, m_options.buffer_limit - m_to_guest.size()));
        const ssize_t n = ::read(m_fd.get(), space.data(), space.size());
        m_to_guest.commit(n > 0 ? size_t(n) : 0);
        if (n == 0) {
            m_host_eof = true;
            // POLLHUP with EOF: the program closed its socket (or both directions are shut), so
            // nothing more reaches it; once our FIN is out there is no point waiting for the
            // guest's. Plain EOF is shutdown(SHUT_WR): the other direction stays open.
            pollfd hangup { m_fd.get(), 0, 0 };
            m_host_closed = ::poll(&hangup, 1, 0) == 1 && (hangup.revents & POLLHUP);
        } else if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            fail_fd("read");
            return;
        }
        pump_to_guest();
    }
    pump_to_guest();
    arm_read();
}

void VsockBridge::pump_to_guest()
{
    if (!m_opened || m_channel_done) {
        return;
    }
    if (!m_to_guest.empty()) {
        m_to_guest.consume(m_connection.write(m_to_guest.front()));
    }
    if (m_to_guest.empty() && m_host_eof && !m_channel_done) {
        m_connection.shutdown_send();
        if (m_host_closed && m_connection.fin_sent() && !m_channel_done) {
            m_connection.abort();
            end_channel(Outcome::HostClosed);
        }
    }
}

bool VsockBridge::flush_to_host()
{
    while (!m_to_host.empty()) {
        auto sent = send_some(m_fd.get(), m_to_host.front());
        if (!sent) {
            fail_fd("write");
            return false;
        }
        if (*sent == 0) {
            break;
        }
        m_to_host.consume(*sent);
    }
    return true;
}

void VsockBridge::arm_write()
{
    if (m_write_watch != 0 || m_reset) {
        return;
    }
    m_write_watch = m_bus.loop().when_ready(m_fd.get(), POLLOUT, [this] {
        m_write_watch = 0;
        on_fd_writable();
    });
}

void VsockBridge::on_fd_writable()
{
    if (m_reset || !flush_to_host()) {
        return;
    }
    if (!m_to_host.empty()) {
        arm_write();
    }
    // Resume at half: a little hysteresis spares a service round per packet.
    if (m_to_host.size() <= m_options.buffer_limit / 2) {
        m_connection.resume_receive();
    }
    after_flush();
}

void VsockBridge::after_flush()
{
    if (m_to_host.empty() && m_peer_fin && !m_shut_write && !m_reset) {
        (void)::shutdown(m_fd.get(), SHUT_WR); // The host reads EOF.
        m_shut_write = true;
    }
    finish_if_done();
}

void VsockBridge::end_channel(Outcome outcome)
{
    if (m_channel_done) {
        return;
    }
    m_channel_done = true;
    for (EventLoop::WatchId* watch : { &m_open_timer, &m_read_watch }) {
        if (*watch != 0) {
            m_bus.loop().unwatch(*watch);
            *watch = 0;
        }
    }
    if (outcome != Outcome::Finished) {
        m_reset = true; // What the guest sent before a reset is not worth delivering.
        m_to_host.clear();
    }
    m_events.bridge_channel_done(*this, outcome);
    finish_if_done();
}

void VsockBridge::fail_fd(const char* what)
{
    LOG_DEBUG("vsock {}: host socket {} failed: {}", m_id, what, std::strerror(errno));
    m_connection.abort();
    end_channel(Outcome::Reset);
}

void VsockBridge::finish_if_done()
{
    if (m_finished || !m_channel_done || !(m_reset || (m_to_host.empty() && m_shut_write))) {
        return;
    }
    m_finished = true;
    if (m_write_watch != 0) {
        m_bus.loop().unwatch(m_write_watch);
        m_write_watch = 0;
    }
    m_events.bridge_finished(*this);
}

const char* to_string(VsockBridge::Outcome outcome)
{
    switch (outcome) {
    case VsockBridge::Outcome::Refused:
        return "refused";
    case VsockBridge::Outcome::Finished:
        return "finished";
    case VsockBridge::Outcome::HostClosed:
        return "closed by the host";
    case VsockBridge::Outcome::Reset:
        return "reset";
    }
    return "?";
}

} // namespace vmm
