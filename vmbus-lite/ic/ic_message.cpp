// SPDX-License-Identifier: Apache-2.0
#include "vmbus-lite/ic/ic_message.h"

#include "base/bytes.h"

#include <bit>
#include <cstring>

namespace vmbus::ic {

static_assert(std::endian::native == std::endian::little, "IC messages are little-endian");

namespace {

std::vector<std::byte> frame(const MessageHeader& header, std::span<const std::byte> body)
{
    const PipeHeader pipe {
        .flags = pipe_flag_data,
        .msgsize = static_cast<uint32_t>(sizeof(MessageHeader) + body.size()),
    };
    std::vector<std::byte> out(header_size + body.size());
    std::memcpy(out.data(), &pipe, sizeof(pipe));
    std::memcpy(out.data() + sizeof(pipe), &header, sizeof(header));
    if (!body.empty()) {
        std::memcpy(out.data() + header_size, body.data(), body.size());
    }
    return out;
}

/// Header and type checks every response parser shares.
vmm::Result<Message, IcError> response_of(std::span<const std::byte> payload, MessageType type)
{
    auto message = TRY(parse_message(payload));
    if (message.header.type != type) {
        return vmm::unexpected(IcError::WrongType);
    }
    if ((message.header.flags & flag_response) == 0) {
        return vmm::unexpected(IcError::NotResponse);
    }
    return message;
}

} // namespace

std::vector<std::byte> build_negotiate(
    std::span<const Version> frameworks, std::span<const Version> messages, uint8_t transaction_id)
{
    const NegotiateHeader negotiate {
        .framework_count = static_cast<uint16_t>(frameworks.size()),
        .message_count = static_cast<uint16_t>(messages.size()),
        .reserved = 0,
    };
    std::vector<std::byte> body(sizeof(negotiate) + (frameworks.size() + messages.size()) * 4);
    std::memcpy(body.data(), &negotiate, sizeof(negotiate));
    size_t at = sizeof(negotiate);
    for (const auto list : { frameworks, messages }) {
        for (const Version& version : list) {
            std::memcpy(body.data() + at, &version, sizeof(version));
            at += sizeof(version);
        }
    }
    // Nothing is agreed yet; the header's versions are our preferred ones and Linux ignores them.
    const Negotiated preferred { frameworks.empty() ? Version {} : frameworks.front(),
        messages.empty() ? Version {} : messages.front() };
    return build_request(MessageType::Negotiate, preferred, transaction_id, body);
}

std::vector<std::byte> build_request(
    MessageType type, Negotiated versions, uint8_t transaction_id, std::span<const std::byte> body)
{
    const MessageHeader header {
        .framework = versions.framework,
        .type = type,
        .message = versions.message,
        .size = static_cast<uint16_t>(body.size()),
        .status = status_ok,
        .transaction_id = transaction_id,
        .flags = flag_transaction | flag_request,
        .reserved = {},
    };
    return frame(header, body);
}

std::vector<std::byte> build_shutdown(
    Negotiated versions, uint8_t transaction_id, const ShutdownBody& body)
{
    return build_request(MessageType::Shutdown, versions, transaction_id, vmm::as_bytes_of(body));
}

std::vector<std::byte> build_heartbeat(
    Negotiated versions, uint8_t transaction_id, uint64_t seq_num)
{
    const HeartbeatBody body { .seq_num = seq_num, .reserved = {} };
    return build_request(MessageType::Heartbeat, versions, transaction_id, vmm::as_bytes_of(body));
}

vmm::Result<Message, IcError> parse_message(std::span<const std::byte> payload)
{
    if (payload.size() < header_size) {
        return vmm::unexpected(IcError::Truncated);
    }
    Message message {
        .pipe = vmm::load_le<PipeHeader>(payload, 0),
        .header = vmm::load_le<MessageHeader>(payload, sizeof(PipeHeader)),
        .body = payload.subspan(header_size),
    };
    // The pipe header and icmsgsize are not checked: Linux echoes ours and trusts neither, and the
    // body length is what the packet holds.
    return message;
}

vmm::Result<std::optional<Negotiated>, IcError> parse_negotiate_response(
    std::span<const std::byte> payload)
{
    const auto message = TRY(response_of(payload, MessageType::Negotiate));
    if (message.body.size() < sizeof(NegotiateHeader)) {
        return vmm::unexpected(IcError::Truncated);
    }
    const auto negotiate = vmm::load_le<NegotiateHeader>(message.body, 0);
    if (negotiate.framework_count == 0 && negotiate.message_count == 0) {
        return std::optional<Negotiated>();
    }
    // A reply names exactly one framework and one message version.
    if (negotiate.framework_count != 1 || negotiate.message_count != 1) {
        return vmm::unexpected(IcError::BadVersionCount);
    }
    if (message.body.size() < sizeof(NegotiateHeader) + 2 * sizeof(Version)) {
        return vmm::unexpected(IcError::Truncated);
    }
    return std::optional(Negotiated {
        .framework = vmm::load_le<Version>(message.body, sizeof(NegotiateHeader)),
        .message = vmm::load_le<Version>(message.body, sizeof(NegotiateHeader) + sizeof(Version)),
    });
}

vmm::Result<uint32_t, IcError> parse_shutdown_response(std::span<const std::byte> payload)
{
    // The status lives in the header: the echoed body is not needed.
    const auto message = TRY(response_of(payload, MessageType::Shutdown));
    return message.header.status;
}

vmm::Result<HeartbeatReply, IcError> parse_heartbeat_response(std::span<const std::byte> payload)
{
    const auto message = TRY(response_of(payload, MessageType::Heartbeat));
    if (message.body.size() < sizeof(uint64_t)) {
        return vmm::unexpected(IcError::Truncated);
    }
    return HeartbeatReply {
        .status = message.header.status,
        .seq_num = vmm::load_le<uint64_t>(message.body, 0),
    };
}

} // namespace vmbus::ic
