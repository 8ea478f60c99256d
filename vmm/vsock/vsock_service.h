// SPDX-License-Identifier: Apache-2.0
// AF_VSOCK for the rest of partvm (docs/vsock.md): guest sockets reach host programs
// as stream sockets. Guest connects to (CID 2, port P) arrive as TL_CONNECT_REQUEST; a port with a
// listen()er gets a socketpair, any other port the hybrid Unix socket PATH_P if a program listens
// there (Firecracker's and OpenVMM's model), and everything else is refused by making no offer.
// Host connects (connect(), or a program writing "CONNECT <port>\n" to the hybrid socket) offer a
// channel to the guest's listener and wait for the guest to open it. Every connection is an
// hv_sock channel bridged to an fd by a VsockBridge, on the VMBus thread.
#pragma once
#include "base/result.h"
#include "base/unique_fd.h"
#include "vmbus-lite/protocol/channel_messages.h"
#include "vmm/vsock/vsock_bridge.h"
#include "vmm/vsock/vsock_bus.h"
#include "vmm/vsock/vsock_unix_listener.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>

namespace vmm {

class VsockService final : private VsockBridge::Events {
public:
    struct Options {
        /// How long a guest gets to open a channel offered for its connect (its own connect
        /// gives up after 2 s) or for a hybrid CONNECT.
        std::chrono::milliseconds open_timeout { 5000 };
        /// For a hybrid client to send its CONNECT line.
        std::chrono::milliseconds handshake_timeout { 10000 };
        size_t buffer_limit { 256 * 1024 }; ///< Per connection and direction.
        size_t max_connections { 256 }; ///< Beyond this, connects either way are refused.
    };

    /// Takes TL_CONNECT_REQUEST from `bus`. Construct before the VMBus loop runs, or on it; the
    /// bus's loop and control plane must outlive the service.
    VsockService(std::unique_ptr<VsockBus> bus, Options options);
    explicit VsockService(std::unique_ptr<VsockBus> bus);
    /// Runs close_all(): on the VMBus thread, or once it has stopped.
    ~VsockService() override;
    VsockService(const VsockService&) = delete;
    VsockService& operator=(const VsockService&) = delete;

    // Any thread.
    /// Guest connects to `port` reach `on_connection`, called on the VMBus thread (it must not
    /// block) with the host end of a socketpair once the guest has opened the channel. Replaces
    /// an earlier listener of that port.
    void listen(uint32_t port, std::function<void(UniqueFd)> on_connection);
    void unlisten(uint32_t port);
    /// Connects to the guest socket listening on `guest_port`; blocks the caller (never call it
    /// on the VMBus thread) until the guest accepts, or refuses by not opening the channel
    /// within `timeout` (ECONNREFUSED).
    Result<UniqueFd> connect(uint32_t guest_port, std::chrono::milliseconds timeout);

    // The VMBus thread (or before its loop runs).
    /// Serves the hybrid front end on `listener`: CONNECT requests, and guest connects to ports
    /// without a listen()er go to `listener.path() + "_" + port`.
    void serve_unix(std::unique_ptr<VsockUnixListener> listener);
    /// A TL_CONNECT_REQUEST from the guest; the constructor has the bus deliver them here.
    void on_connect_request(const vmbus::TlConnectRequestMessage& request);
    /// Rescinds every channel, fails every pending connect and closes every fd.
    void close_all();

    /// Live connections (offered or open, and those still flushing), for tests and diagnostics.
    /// VMBus thread.
    size_t connection_count() const { return m_entries.size(); }

private:
    struct PendingConnect;
    struct Entry {
        std::unique_ptr<VsockBridge> bridge;
        bool removed { false }; // The device is off the bus.
        UniqueFd peer; // listen() and connect(): the end handed out once the guest opens.
        std::function<void(UniqueFd)> on_connection; // listen()
        std::shared_ptr<PendingConnect> pending; // connect()
    };
    struct Handshake;

    /// Offers a new connection bridged to `fd`; false (and nothing kept) when it cannot be.
    bool start(
        const vmbus::OfferParams& offer, UniqueFd fd, VsockBridge::Options options, Entry entry);
    void start_connect(uint32_t guest_port, std::chrono::milliseconds timeout,
        std::shared_ptr<PendingConnect> pending);
    /// The next local port and instance id for a host-initiated connection.
    vmbus::OfferParams next_host_offer(uint32_t guest_port, uint32_t& local_port);
    void remove(uint64_t id);
    void retire(uint64_t id);

    void on_accept();
    void on_handshake_readable(uint64_t id);
    void end_handshake(uint64_t id);
    void start_hybrid_connect(uint32_t guest_port, UniqueFd fd, std::string early_data);
    /// Connects to PATH_port; an invalid fd when no program listens there.
    UniqueFd connect_hybrid_port(uint32_t port) const;

    // VsockBridge::Events
    void bridge_opened(VsockBridge& bridge) override;
    void bridge_channel_done(VsockBridge& bridge, VsockBridge::Outcome outcome) override;
    void bridge_finished(VsockBridge& bridge) override;

    std::unique_ptr<VsockBus> m_owned_bus;
    VsockBus& m_bus;
    Options m_options;
    std::unordered_map<uint32_t, std::function<void(UniqueFd)>> m_listeners; // By guest port.
    std::map<uint64_t, Entry> m_entries; // By bridge id.
    uint64_t m_next_id { 1 };
    uint32_t m_next_local_port; // Host ports for host-initiated connections, as Firecracker's.
    std::unique_ptr<VsockUnixListener> m_unix;
    EventLoop::WatchId m_accept_watch { 0 };
    std::map<uint64_t, std::unique_ptr<Handshake>> m_handshakes; // Hybrid clients before CONNECT.
};

} // namespace vmm
