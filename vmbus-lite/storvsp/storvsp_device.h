// SPDX-License-Identifier: Apache-2.0
// The synthetic SCSI controller Linux's hv_storvsc drives (docs/storvsp.md): one target holding
// LUN 0..N-1, each a ScsiDisk answered from memory or through its BlockBackend. Pure: it sees the
// channel's packets and guest memory, and hands I/O to the backends. VMBus thread only.
#pragma once
#include "guestmem/guest_memory.h"
#include "vmbus-lite/channel/device.h"
#include "vmbus-lite/protocol/guid.h"
#include "vmbus-lite/scsi/disk.h"
#include "vmbus-lite/storvsp/block_backend.h"
#include "vmbus-lite/storvsp/data_buffer.h"
#include "vmbus-lite/storvsp/negotiation.h"

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <vector>

namespace vmbus::storvsp {

/// One disk on the controller: what the guest is told about it, and the storage behind it.
struct Lun {
    scsi::ScsiDisk disk;
    std::unique_ptr<BlockBackend> backend;
};

struct StorvspOptions {
    Guid instance {}; ///< Unique per controller.
    StorvspConfig protocol {};
    /// Requests a channel may have between reading them from the ring and writing their
    /// completions back; past it the device stops reading until completions drain, so a guest
    /// cannot make the host queue without bound.
    uint32_t max_in_flight { 256 };
};

class StorvspDevice final : public Device {
public:
    /// The SCSI controller class (storvsc_drv.c's id_table, "SCSI").
    static constexpr Guid class_id = make_guid("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f");
    /// LUN numbers are one byte in the request; one controller serves at most this many.
    static constexpr size_t max_luns = 64;

    /// `memory` must outlive the device; `luns` become LUN 0, 1, ... (at most max_luns).
    /// `sub_channel_offers` puts the sub-channels the guest asks for on the bus (up to
    /// options.protocol.max_sub_channels); null offers none.
    StorvspDevice(const vmm::GuestMemory& memory, std::vector<Lun> luns, StorvspOptions options,
        ChannelOffers* sub_channel_offers = nullptr);
    /// Withdraws the sub-channels it offered; the owner withdraws the device itself.
    ~StorvspDevice() override;

    OfferParams offer() const override;
    bool opened(ChannelEndpoint& channel, std::span<const uint8_t> user_data) override;
    void on_packets(ChannelEndpoint& channel) override;
    void on_ring_space(ChannelEndpoint& channel) override;
    void closed(ChannelEndpoint& channel) override;

    /// Requests read and not yet completed on `channel`'s ring (0 if not open), for tests.
    uint32_t in_flight(const ChannelEndpoint& channel) const;
    /// Sub-channels offered so far.
    size_t sub_channel_count() const { return m_sub_channels.size(); }

private:
    /// One sub-channel's offer: the controller's, with its index; its channel runs on the
    /// controller, which serves every queue alike.
    class SubChannel final : public Device {
    public:
        SubChannel(StorvspDevice& owner, uint16_t index)
            : m_owner(owner)
            , m_index(index)
        {
        }
        OfferParams offer() const override;
        bool opened(ChannelEndpoint& channel, std::span<const uint8_t>) override;
        void on_packets(ChannelEndpoint& channel) override { m_owner.on_packets(channel); }
        void on_ring_space(ChannelEndpoint& channel) override { m_owner.on_ring_space(channel); }
        void closed(ChannelEndpoint& channel) override { m_owner.closed(channel); }

    private:
        StorvspDevice& m_owner;
        uint16_t m_index;
    };

    struct Completion {
        uint64_t trans_id;
        Reply reply;
    };
    struct Channel {
        uint64_t id; ///< Outlives the endpoint in I/O callbacks: a closed channel's id is gone.
        ChannelEndpoint* endpoint;
        Negotiation negotiation;
        uint32_t in_flight { 0 };
        std::deque<Completion> unsent {}; ///< Waiting for room in the guest's ring.
        bool broken { false }; ///< The ring failed: nothing more is read or written.
    };
    /// What an SRB in the backend needs for its completion.
    struct Pending {
        uint64_t channel_id;
        uint64_t trans_id;
        ExecuteSrb srb;
        uint32_t bytes; ///< Moved when the backend succeeds.
        BlockOp op;
    };

    void open_channel(ChannelEndpoint& endpoint, Negotiation negotiation);
    /// After a CREATE_SUB_CHANNELS the primary answered: offers what it promised, once.
    void offer_sub_channels(const Negotiation& primary);
    Channel* find(const ChannelEndpoint& endpoint);
    const Channel* find(const ChannelEndpoint& endpoint) const;
    /// Sends what waits, then reads and handles packets while the channel has room.
    void drain(Channel& channel);
    void handle(Channel& channel, const Packet& packet);
    void execute(Channel& channel, const Packet& packet, const ExecuteSrb& srb);
    /// Runs `srb` on LUN `lun` (or on no LUN) with its data in `buffer`.
    void run_command(
        Channel& channel, uint64_t trans_id, const ExecuteSrb& srb, const DataBuffer& buffer);
    void submit(Lun& lun, BlockRequest request, Pending pending);
    void on_io_done(const Pending& pending, int error);
    /// Queues a completion and writes what the ring takes.
    void complete(Channel& channel, uint64_t trans_id, const Reply& reply);
    void complete_srb(
        Channel& channel, uint64_t trans_id, const ExecuteSrb& srb, const SrbOutcome& outcome);
    void send_unsent(Channel& channel);
    void kick_backends();

    const vmm::GuestMemory& m_memory;
    StorvspOptions m_options;
    std::vector<uint8_t> m_lun_numbers; // 0..N-1, for REPORT LUNS.
    std::map<uint64_t, Channel> m_channels; // By Channel::id.
    uint64_t m_next_channel_id { 1 };
    ChannelOffers* m_offers;
    uint16_t m_primary_version { 0 }; // What sub-channels speak; set when the primary is ready.
    std::vector<std::unique_ptr<SubChannel>> m_sub_channels;
    std::vector<Lun> m_luns; // Last: its backends go first, before the state their I/O names.
};

} // namespace vmbus::storvsp
