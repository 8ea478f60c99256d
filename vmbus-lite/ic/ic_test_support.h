// SPDX-License-Identifier: Apache-2.0
// Test-only: a channel made of two rings in plain memory, and a model of Linux 6.1's hv_utils
// guest driver (drivers/hv/hv_util.c, vmbus_prep_negotiate_resp) at the other end. Written from
// the kernel's behaviour, not its code.
#pragma once
#include "vmbus-lite/channel/device.h"
#include "vmbus-lite/ic/ic_message.h"
#include "vmbus-lite/ring/incoming_ring.h"
#include "vmbus-lite/ring/outgoing_ring.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

namespace vmbus::ic::testing {

/// Both rings of one channel. The host half is the ChannelEndpoint; the guest half is public.
class RingPair final : public ChannelEndpoint {
public:
    /// hv_utils opens its rings with three pages of data each.
    explicit RingPair(uint32_t data_size = 3 * 4096)
        : to_guest(data_size)
        , to_host(data_size)
        , host_out(to_guest)
        , host_in(to_host)
        , guest_in(to_guest)
        , guest_out(to_host)
    {
    }

    uint32_t relid() const override { return 7; }
    vmm::Result<void, RingError> send(
        PacketDescriptor descriptor, std::span<const std::byte> payload) override
    {
        auto signal = host_out.write(descriptor, payload);
        if (!signal) {
            return vmm::unexpected(signal.error());
        }
        signals_to_guest += *signal ? 1 : 0;
        return {};
    }
    vmm::Result<Packet, RingError> receive() override
    {
        auto packet = host_in.read();
        if (packet) {
            host_in.commit_read();
        }
        return packet;
    }

    /// The guest's ring holds nothing it has not read.
    bool guest_ring_empty() const
    {
        return to_guest.load(RingControl::WriteIndex) == to_guest.load(RingControl::ReadIndex);
    }

    FlatRingMemory to_guest; // Host writes, guest reads (the guest's inbound ring).
    FlatRingMemory to_host; // Guest writes, host reads.
    OutgoingRing host_out;
    IncomingRing host_in;
    IncomingRing guest_in;
    OutgoingRing guest_out;
    int signals_to_guest { 0 };
};

/// What Linux 6.1's hv_utils does with a host packet on one IC channel.
class LinuxIcGuest {
public:
    enum class Service { Shutdown, Heartbeat };

    LinuxIcGuest(RingPair& ring, Service service, std::vector<Version> message_versions,
        std::vector<Version> framework_versions = { { 3, 0 }, { 1, 0 } })
        : m_ring(ring)
        , m_service(service)
        , m_messages(std::move(message_versions))
        , m_frameworks(std::move(framework_versions))
    {
    }

    /// The channel interrupt: the shutdown callback reads one packet per interrupt, the heartbeat
    /// callback reads until the ring is empty. Returns the number of replies written.
    int interrupt()
    {
        int replies = 0;
        do {
            auto packet = m_ring.guest_in.read();
            if (!packet) {
                return replies; // Empty (or a ring the host corrupted: the tests never do).
            }
            m_ring.guest_in.commit_read();
            replies += handle(*packet) ? 1 : 0;
        } while (m_service == Service::Heartbeat);
        return replies;
    }

    // What the guest saw and did.
    std::vector<Packet> received;
    size_t largest_packet { 0 }; // Descriptor included.
    std::optional<Negotiated> negotiated;
    std::optional<uint32_t> shutdown_flags; // Of the last SHUTDOWN it accepted the size of.
    int poweroffs { 0 };
    int reboots { 0 };

private:
    static constexpr size_t recv_buffer = 4096; // HV_HYP_PAGE_SIZE passed to vmbus_recvpacket.

    bool handle(const Packet& packet)
    {
        received.push_back(packet);
        largest_packet = std::max(largest_packet, packet.bytes.size());
        if (packet.bytes.size() > max_guest_packet_size) {
            return false; // Linux would truncate it and lose its place in the ring.
        }
        const auto payload = packet.payload();
        const size_t recvlen = payload.size();
        if (recvlen > recv_buffer || recvlen < header_size) {
            return false; // -ENOBUFS, or "packet length too small": no answer.
        }
        // Linux works in place in a 4-page buffer and sends back recvlen bytes of it; it may write
        // the two negotiate version slots (up to byte 44) past a short packet.
        std::vector<std::byte> buffer(std::max<size_t>(recvlen, 64));
        std::memcpy(buffer.data(), payload.data(), recvlen);
        MessageHeader header;
        std::memcpy(&header, buffer.data() + sizeof(PipeHeader), sizeof(header));

        const uint16_t type = static_cast<uint16_t>(header.type);
        if (header.type == MessageType::Negotiate) {
            negotiate(header, buffer, recvlen);
        } else if (m_service == Service::Shutdown && header.type == MessageType::Shutdown) {
            if (recvlen < header_size + sizeof(ShutdownBody)) {
                return false; // "Invalid shutdown msg data": dropped unanswered.
            }
            ShutdownBody body;
            std::memcpy(&body, buffer.data() + header_size, sizeof(body));
            shutdown_flags = body.flags;
            switch (body.flags) {
            case 0:
            case 1:
                header.status = status_ok;
                ++poweroffs;
                break;
            case 2:
            case 3:
                header.status = status_ok;
                ++reboots;
                break;
            default: // Hibernation is unsupported under partvm; anything else is invalid.
                header.status = status_fail;
                break;
            }
        } else if (m_service == Service::Heartbeat && type == uint16_t(MessageType::Heartbeat)) {
            if (recvlen < header_size + sizeof(uint64_t)) {
                return false;
            }
            uint64_t seq;
            std::memcpy(&seq, buffer.data() + header_size, sizeof(seq));
            ++seq;
            std::memcpy(buffer.data() + header_size, &seq, sizeof(seq));
        } else {
            header.status = status_fail;
        }
        header.flags = flag_transaction | flag_response;
        std::memcpy(buffer.data() + sizeof(PipeHeader), &header, sizeof(header));
        // Sent back as in-band data with flags 0, so the descriptor keeps the host's trans_id.
        auto written = m_ring.guest_out.write({ .type = VM_PKT_DATA_INBAND,
                                                  .offset8 = 0,
                                                  .len8 = 0,
                                                  .flags = 0,
                                                  .trans_id = packet.descriptor.trans_id },
            std::span(buffer).first(recvlen));
        return written.has_value();
    }

    /// vmbus_prep_negotiate_resp: pick the first of the guest's own versions (newest first) that
    /// the host listed; answer counts 1/1 and the pair, or 0/0. It always answers.
    void negotiate(MessageHeader& header, std::vector<std::byte>& buffer, size_t recvlen)
    {
        if (recvlen < header_size + 4) {
            return; // Too short to hold the counts: echoed unchanged.
        }
        header.size = 16;
        NegotiateHeader counts;
        std::memcpy(&counts, buffer.data() + header_size, sizeof(counts));
        auto listed = [&](size_t index) {
            Version version;
            std::memcpy(&version, buffer.data() + header_size + 8 + 4 * index, sizeof(version));
            return version;
        };
        std::optional<Version> framework;
        std::optional<Version> message;
        const bool sane = counts.framework_count <= max_negotiate_versions
            && counts.message_count <= max_negotiate_versions
            && header_size + 8 + 4 * (counts.framework_count + counts.message_count) <= recvlen;
        if (sane) {
            for (const Version& mine : m_frameworks) {
                for (size_t i = 0; i < counts.framework_count && !framework; ++i) {
                    if (listed(i) == mine) {
                        framework = mine;
                    }
                }
            }
            for (const Version& mine : m_messages) {
                for (size_t i = counts.framework_count; framework && !message
                     && i < size_t(counts.framework_count) + counts.message_count;
                     ++i) {
                    if (listed(i) == mine) {
                        message = mine;
                    }
                }
            }
        }
        const bool match = framework && message;
        counts.framework_count = match ? 1 : 0;
        counts.message_count = match ? 1 : 0;
        std::memcpy(buffer.data() + header_size, &counts, sizeof(counts));
        // Linux writes the two version slots even on failure; their contents then mean nothing.
        const Version chosen[2] = { framework.value_or(Version {}), message.value_or(Version {}) };
        std::memcpy(buffer.data() + header_size + 8, chosen, sizeof(chosen));
        if (match) {
            negotiated = Negotiated { *framework, *message };
        }
    }

    RingPair& m_ring;
    Service m_service;
    std::vector<Version> m_messages;
    std::vector<Version> m_frameworks;
};

/// A device and the Linux model on one RingPair, run until neither has anything left to do.
struct Harness {
    Harness(LinuxIcGuest::Service service, std::vector<Version> message_versions,
        std::vector<Version> framework_versions = { { 3, 0 }, { 1, 0 } },
        uint32_t ring_data_size = 3 * 4096)
        : ring(ring_data_size)
        , guest(ring, service, std::move(message_versions), std::move(framework_versions))
    {
    }

    /// Delivers host signals to the guest (one interrupt each, as the host's ring rules raise
    /// them) and guest replies to the device.
    void pump(Device& device)
    {
        for (int round = 0; round < 64; ++round) {
            int replies = 0;
            bool progress = false;
            while (handled_signals < ring.signals_to_guest) {
                ++handled_signals;
                replies += guest.interrupt();
                progress = true;
            }
            if (replies > 0) {
                device.on_packets(ring);
            }
            if (!progress) {
                return;
            }
        }
    }

    RingPair ring;
    LinuxIcGuest guest;
    int handled_signals { 0 };
};

} // namespace vmbus::ic::testing
