// SPDX-License-Identifier: Apache-2.0
// A hostile guest on a storvsp channel: a stream of arbitrary vstor packets (0..80 bytes) through
// parse_vstor_packet and one channel's Negotiation, interleaved with arbitrary GPA-direct
// descriptors through parse_gpa_range. Checks: every reply is a COMPLETE_IO of 48..64 bytes; an SRB
// that goes up has at most 16 CDB bytes, a known direction and a transfer within the limit, and
// its completion never claims more than was asked; GPA segments add up to the byte count and each
// starts in a page the descriptor lists. The input's end holds the choices (FuzzedDataProvider
// takes integers from the end), its front the packet bytes, so a seed reads front to back.
#include "base/bytes.h"
#include "vmbus-lite/storvsp/gpa_range.h"
#include "vmbus-lite/storvsp/negotiation.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <vector>

using namespace vmbus;
using namespace vmbus::storvsp;

namespace {

void require(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

void check_reply(const Reply& reply)
{
    require(reply.size >= packet_size_for(version_win6) && reply.size <= vstor_packet_size);
    require(vmm::load_le<uint32_t>(reply.view(), 0) == uint32_t(Operation::CompleteIo));
}

void run_vstor_packet(FuzzedDataProvider& input, Negotiation& channel, uint32_t max_transfer)
{
    const auto length = input.ConsumeIntegralInRange<uint8_t>(0, 80);
    const auto bytes = input.ConsumeBytes<std::byte>(length);
    const auto packet = parse_vstor_packet(bytes, channel.version());
    if (!packet) {
        return;
    }
    const Step step = channel.handle(*packet);
    require(step.reply.has_value() != step.srb.has_value());
    if (step.reply) {
        check_reply(*step.reply);
        return;
    }
    const ExecuteSrb& srb = *step.srb;
    require(srb.cdb_length <= max_cdb_length);
    require(srb.direction <= DataDirection::None);
    require(srb.transfer_length <= max_transfer);
    // Complete it with whatever the input says was moved and sensed.
    const auto moved = input.ConsumeIntegral<uint32_t>();
    const auto sense = input.ConsumeBytes<std::byte>(input.ConsumeIntegralInRange<uint8_t>(0, 32));
    const Reply reply = encode_srb_completion(
        srb.request, SrbOutcome { 0, srb_status::success, 0, moved, sense }, srb.reply_size);
    check_reply(reply);
    require(vmm::load_le<uint32_t>(reply.view(), 24) <= srb.transfer_length);
    require(uint8_t(reply.view()[21]) <= sense_buffer_size);
}

void run_gpa_descriptor(FuzzedDataProvider& input)
{
    Packet packet;
    packet.descriptor.type = VM_PKT_DATA_USING_GPA_DIRECT;
    packet.descriptor.offset8 = input.ConsumeIntegral<uint8_t>();
    const auto max_bytes = input.ConsumeIntegral<uint32_t>();
    packet.bytes = input.ConsumeBytes<std::byte>(input.ConsumeIntegralInRange<uint16_t>(0, 1024));
    const auto range = parse_gpa_range(packet, max_bytes);
    if (!range) {
        return;
    }
    require(range->byte_count <= max_bytes);
    const size_t area = std::min(size_t(packet.descriptor.offset8) * 8, packet.bytes.size());
    const size_t listed = (area - 32) / 8;
    uint64_t total = 0;
    for (const Segment& segment : range->segments) {
        total += segment.length;
        bool found = false;
        for (size_t i = 0; i < listed && !found; ++i) {
            found = vmm::load_le<uint64_t>(packet.bytes, 32 + i * 8) == segment.gpa / gpa_page_size;
        }
        require(found && segment.length != 0);
    }
    require(total == range->byte_count);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzedDataProvider input(data, size);
    const auto shape = input.ConsumeIntegral<uint8_t>();
    const StorvspConfig config { uint16_t(shape >> 4), uint32_t(shape & 0x0f) << 16 };
    Negotiation channel = (shape & 1) != 0
        ? Negotiation::sub_channel(config, input.ConsumeIntegral<uint16_t>())
        : Negotiation(config);
    while (input.remaining_bytes() > 0) {
        if ((input.ConsumeIntegral<uint8_t>() & 1) != 0) {
            run_gpa_descriptor(input);
        } else {
            run_vstor_packet(input, channel, config.max_transfer_bytes);
        }
    }
    return 0;
}
