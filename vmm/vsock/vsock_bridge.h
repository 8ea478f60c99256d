// SPDX-License-Identifier: Apache-2.0
// One hv_sock connection joined to a host file descriptor (a connected stream socket), on the
// VMBus thread: bytes from the guest are written to the fd, bytes read from the fd go to the
// guest, FIN maps to shutdown(SHUT_WR) and EOF both ways. Each direction buffers at most
// `buffer_limit` bytes; beyond that the bridge stops reading (the fd, or the guest's ring, whose
// writer then blocks), so a slow side slows the other instead of growing memory.
#pragma once
#include "base/byte_queue.h"
#include "base/unique_fd.h"
#include "vmbus-lite/hvsock/hvsock_connection.h"
#include "vmm/vsock/vsock_bus.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace vmm {

class VsockBridge final : private vmbus::hvsock::HvSockConnection::Owner {
public:
    /// How the guest side ended.
    enum class Outcome {
        Refused, ///< The guest never opened the channel in time.
        Finished, ///< FIN both ways.
        HostClosed, ///< The host program closed its socket: FIN sent, no waiting for the guest's.
        Reset, ///< The guest closed the channel or broke the protocol, or the fd failed.
    };

    /// What the bridge tells its owner. Calls come on the VMBus thread, possibly from inside the
    /// bus's device calls: do not remove or destroy the bridge from inside them (post it).
    class Events {
    public:
        virtual ~Events() = default;
        virtual void bridge_opened(VsockBridge& bridge) = 0;
        /// The channel is over: the owner must remove device() from the bus.
        virtual void bridge_channel_done(VsockBridge& bridge, Outcome outcome) = 0;
        /// The fd side is done as well (after bridge_channel_done): the bridge may be destroyed.
        virtual void bridge_finished(VsockBridge& bridge) = 0;
    };

    struct Options {
        size_t buffer_limit { 256 * 1024 }; ///< Per direction.
        std::chrono::milliseconds open_timeout { 5000 }; ///< For the guest to open the channel.
        std::string greeting; ///< Written to the fd when the guest opens, before its bytes.
        std::string initial_data; ///< Sent to the guest first (bytes the fd delivered early).
    };

    /// `fd` must be a connected stream socket; it is made non-blocking. Starts the open timer: call
    /// on the VMBus thread (or before the loop runs), then offer device() on the bus.
    VsockBridge(VsockBus& bus, Events& events, uint64_t id, const vmbus::OfferParams& offer,
        UniqueFd fd, Options options);
    ~VsockBridge() override;
    VsockBridge(const VsockBridge&) = delete;
    VsockBridge& operator=(const VsockBridge&) = delete;

    uint64_t id() const { return m_id; }
    vmbus::Device& device() { return m_connection; }
    const vmbus::OfferParams& offer() const { return m_offer; }
    bool channel_done() const { return m_channel_done; }

private:
    // HvSockConnection::Owner
    void on_open() override;
    size_t on_data(std::span<const std::byte> data) override;
    void on_peer_shutdown() override;
    void on_writable() override;
    void on_closed(vmbus::hvsock::HvSockConnection::CloseReason reason) override;
    void request_service() override;

    void start();
    void on_open_timeout();
    /// Reads the fd while the guest-bound buffer has room, then writes to the guest.
    void arm_read();
    void on_readable();
    void pump_to_guest();
    /// Writes the host-bound buffer to the fd; returns false after a fatal fd error.
    bool flush_to_host();
    void arm_write();
    void on_fd_writable();
    void after_flush();
    /// The channel is over (`outcome`); the fd side may still have bytes to deliver.
    void end_channel(Outcome outcome);
    /// The fd failed: reset everything.
    void fail_fd(const char* what);
    void finish_if_done();
    /// Runs `function` on a later loop turn, unless the bridge is gone by then.
    void defer(std::function<void()> function);

    VsockBus& m_bus;
    Events& m_events;
    uint64_t m_id;
    vmbus::OfferParams m_offer;
    UniqueFd m_fd;
    Options m_options;
    vmbus::hvsock::HvSockConnection m_connection;
    std::shared_ptr<bool> m_alive; // False once destroyed, for deferred work.

    ByteQueue m_to_guest; // Read from the fd, not yet taken by the ring.
    ByteQueue m_to_host; // From the guest, not yet written to the fd.
    EventLoop::WatchId m_open_timer { 0 };
    EventLoop::WatchId m_read_watch { 0 };
    EventLoop::WatchId m_write_watch { 0 };
    bool m_opened { false };
    bool m_host_eof { false }; // The fd said EOF: FIN to the guest once the buffer is out.
    bool m_host_closed { false }; // ...and hung up: nothing the guest sends can be delivered.
    bool m_peer_fin { false }; // The guest said FIN: SHUT_WR once the buffer is out.
    bool m_shut_write { false };
    bool m_channel_done { false };
    bool m_reset { false }; // Nothing more goes to the fd.
    bool m_finished { false };
};

const char* to_string(VsockBridge::Outcome outcome);

} // namespace vmm
