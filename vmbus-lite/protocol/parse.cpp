// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/protocol/parse.h"

#include <cstring>

namespace vmbus {

namespace {

constexpr uint32_t gpadl_page_size = 4096;
constexpr size_t gpa_range_header = 8; // byte_count u32, byte_offset u32

template<class T> vmm::Result<GuestMessage, ProtocolError> fixed(std::span<const std::byte> bytes)
{
    if (bytes.size() < sizeof(T)) {
        return vmm::unexpected(ProtocolError::Truncated);
    }
    T message;
    // SAFETY: bytes holds at least sizeof(T) bytes, checked above; T is trivially copyable.
    std::memcpy(&message, bytes.data(), sizeof(T));
    return GuestMessage(message);
}

std::vector<uint64_t> read_pfns(std::span<const std::byte> bytes, size_t count)
{
    std::vector<uint64_t> pfns(count);
    if (count == 0) {
        return pfns; // memcpy to an empty vector's null data() is undefined even for 0 bytes.
    }
    // SAFETY: callers pass bytes.size() >= count * 8.
    std::memcpy(pfns.data(), bytes.data(), count * sizeof(uint64_t));
    return pfns;
}

vmm::Result<GuestMessage, ProtocolError> parse_gpadl_header(std::span<const std::byte> bytes)
{
    if (bytes.size() < sizeof(GpadlHeaderMessage) + gpa_range_header) {
        return vmm::unexpected(ProtocolError::Truncated);
    }
    GpadlHeaderMessage header;
    std::memcpy(&header, bytes.data(), sizeof(header));
    uint32_t range[2];
    std::memcpy(range, bytes.data() + sizeof(header), sizeof(range));
    GpadlHeader result { header.child_relid, header.gpadl, range[0], range[1], 0, {} };
    // One range of whole pages' worth of PFNs: what Linux sends and all a ring or buffer needs.
    if (header.rangecount != 1 || result.byte_count == 0 || result.byte_offset >= gpadl_page_size) {
        return vmm::unexpected(ProtocolError::BadGpadlRange);
    }
    const uint64_t pages = (uint64_t(result.byte_offset) + result.byte_count + gpadl_page_size - 1)
        / gpadl_page_size;
    if (header.range_buflen != gpa_range_header + pages * sizeof(uint64_t)) {
        return vmm::unexpected(ProtocolError::BadGpadlRange);
    }
    result.page_count = static_cast<uint32_t>(pages);
    const auto pfn_bytes = bytes.subspan(sizeof(header) + gpa_range_header);
    const size_t carried = std::min<size_t>(pfn_bytes.size() / sizeof(uint64_t), pages);
    result.pfns = read_pfns(pfn_bytes, carried);
    return GuestMessage(std::move(result));
}

vmm::Result<GuestMessage, ProtocolError> parse_gpadl_body(std::span<const std::byte> bytes)
{
    if (bytes.size() < sizeof(GpadlBodyMessage)) {
        return vmm::unexpected(ProtocolError::Truncated);
    }
    GpadlBodyMessage body;
    std::memcpy(&body, bytes.data(), sizeof(body));
    const auto pfn_bytes = bytes.subspan(sizeof(body));
    return GuestMessage(GpadlBody { body.gpadl, read_pfns(pfn_bytes, pfn_bytes.size() / 8) });
}

} // namespace

vmm::Result<GuestMessage, ProtocolError> parse_guest_message(std::span<const std::byte> bytes)
{
    if (bytes.size() > max_message_size) {
        return vmm::unexpected(ProtocolError::TooLong);
    }
    if (bytes.size() < sizeof(MessageHeader)) {
        return vmm::unexpected(ProtocolError::Truncated);
    }
    MessageType type;
    std::memcpy(&type, bytes.data(), sizeof(type));
    switch (type) {
    case MessageType::RequestOffers:
        return GuestMessage(RequestOffers {});
    case MessageType::Unload:
        return GuestMessage(Unload {});
    case MessageType::InitiateContact:
        return fixed<InitiateContactMessage>(bytes);
    case MessageType::OpenChannel:
        return fixed<OpenChannelMessage>(bytes);
    case MessageType::CloseChannel:
    case MessageType::RelidReleased:
        return fixed<RelidMessage>(bytes);
    case MessageType::GpadlHeader:
        return parse_gpadl_header(bytes);
    case MessageType::GpadlBody:
        return parse_gpadl_body(bytes);
    case MessageType::GpadlTeardown:
        return fixed<GpadlTeardownMessage>(bytes);
    case MessageType::ModifyChannel:
        return fixed<ModifyChannelMessage>(bytes);
    case MessageType::TlConnectRequest:
        return fixed<TlConnectRequestMessage>(bytes);
    default:
        return vmm::unexpected(ProtocolError::UnknownType);
    }
}

} // namespace vmbus
