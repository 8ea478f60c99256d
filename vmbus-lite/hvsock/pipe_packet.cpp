// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/hvsock/pipe_packet.h"

#include <cstring>

namespace vmbus::hvsock {

void build_payload(std::span<const std::byte> data, std::vector<std::byte>& out)
{
    const PipeHeader header { pipe_packet_data, static_cast<uint32_t>(data.size()) };
    out.resize(sizeof(header) + data.size());
    std::memcpy(out.data(), &header, sizeof(header));
    if (!data.empty()) {
        std::memcpy(out.data() + sizeof(header), data.data(), data.size());
    }
}

vmm::Result<std::span<const std::byte>, PipeError> parse_packet(const Packet& packet)
{
    if (packet.descriptor.type != VM_PKT_DATA_INBAND) {
        return vmm::unexpected(PipeError::NotInband);
    }
    const auto payload = packet.payload();
    if (payload.size() < sizeof(PipeHeader)) {
        return vmm::unexpected(PipeError::TooShort);
    }
    PipeHeader header;
    std::memcpy(&header, payload.data(), sizeof(header));
    if (header.pkt_type != pipe_packet_data) {
        return vmm::unexpected(PipeError::BadType);
    }
    if (header.data_size > payload.size() - sizeof(header)) {
        return vmm::unexpected(PipeError::Overrun);
    }
    if (header.data_size > max_data_size) {
        return vmm::unexpected(PipeError::TooLarge);
    }
    return payload.subspan(sizeof(header), header.data_size);
}

const char* to_string(PipeError error)
{
    switch (error) {
    case PipeError::NotInband:
        return "not an in-band packet";
    case PipeError::TooShort:
        return "shorter than a pipe header";
    case PipeError::BadType:
        return "pipe packet type is not 1";
    case PipeError::Overrun:
        return "data_size runs past the packet";
    case PipeError::TooLarge:
        return "data_size above 16 KiB";
    }
    return "?";
}

} // namespace vmbus::hvsock
