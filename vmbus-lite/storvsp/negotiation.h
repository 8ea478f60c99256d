// SPDX-License-Identifier: Apache-2.0
// The vstor handshake and request dispatch of one channel, sans I/O (docs/storvsp.md#negotiation):
// a parsed packet in, the completion to send and/or an SRB for the layer above out. The sequence
// is Linux's storvsc_channel_init (drivers/scsi/storvsc_drv.c).
#pragma once
#include "vmbus-lite/storvsp/vstor_packet.h"

#include <array>
#include <cstdint>
#include <optional>

namespace vmbus::storvsp {

/// What this host offers every guest.
struct StorvspConfig {
    uint16_t max_sub_channels { 0 }; ///< 0: no multi-channel.
    uint32_t max_transfer_bytes { 1024 * 1024 }; ///< Linux needs at least 4096.
};

/// An SRB checked and ready for the SCSI layer. The layer above finds the data buffer (the
/// GPA-direct range, at least `transfer_length` bytes), runs the CDB and sends
/// encode_srb_completion(request, ...) with the packet's trans_id.
struct ExecuteSrb {
    VmscsiRequest request {}; ///< As the guest sent it, for the completion's echo.
    uint8_t path_id { 0 };
    uint8_t target_id { 0 };
    uint8_t lun { 0 };
    std::array<std::byte, max_cdb_length> cdb {};
    uint8_t cdb_length { 0 }; ///< <= 16.
    DataDirection direction { DataDirection::None };
    uint32_t transfer_length { 0 }; ///< <= max_transfer_bytes.
    size_t reply_size { vstor_packet_size }; ///< The completion's size.
};

/// The outcome of one packet: at most one of `reply` and `srb` is set.
struct Step {
    std::optional<Reply> reply; ///< Send as a VM_PKT_COMP echoing the request's trans_id.
    std::optional<ExecuteSrb> srb;
};

class Negotiation {
public:
    enum class Phase {
        AwaitBegin, ///< Nothing yet, or the guest closed and reopened the channel.
        AwaitVersion, ///< BEGIN_INITIALIZATION answered; versions are being offered.
        AwaitProperties, ///< A version accepted.
        AwaitEnd, ///< Properties sent.
        Ready, ///< END_INITIALIZATION answered: SRBs are served.
    };

    /// The primary channel: starts at AwaitBegin.
    explicit Negotiation(const StorvspConfig& config);
    /// A sub-channel of a primary that negotiated `version`: Ready at once; refuses init
    /// operations and CREATE_SUB_CHANNELS, as Linux sends those on the primary only.
    static Negotiation sub_channel(const StorvspConfig& config, uint16_t version);

    /// Handles one packet from the guest. Out-of-order, repeated, unknown or host-only operations
    /// get a completion with INVALID_DEVICE_STATE and leave the state as it was.
    Step handle(const VstorPacket& packet);

    Phase phase() const { return m_phase; }
    /// The accepted version; version_win6 until one is (the smallest packets any guest sends).
    uint16_t version() const { return m_version; }
    /// The sub-channels the guest asked for and was told it gets; the layer above offers them.
    /// 0 until a CREATE_SUB_CHANNELS succeeded.
    uint16_t sub_channels_requested() const { return m_sub_channels; }

private:
    Negotiation(const StorvspConfig& config, Phase phase, uint16_t version, bool primary);
    Step query_version(const VstorPacket& packet, size_t size);
    Step create_sub_channels(const VstorPacket& packet, size_t size);
    Step execute_srb(const VstorPacket& packet, size_t size) const;

    StorvspConfig m_config;
    Phase m_phase;
    uint16_t m_version;
    bool m_primary;
    uint16_t m_sub_channels { 0 };
};

/// Whether this host serves `major_minor`: WIN8, WIN8_1 and WIN10, what Linux 6.x offers.
bool version_supported(uint16_t major_minor);

} // namespace vmbus::storvsp
