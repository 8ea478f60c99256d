// SPDX-License-Identifier: Apache-2.0
// A hostile guest building GPADLs: a script of GPADL_HEADER/BODY messages (well-formed, or raw
// bytes through the parser), teardowns, resets, stray writes to guest RAM, and ring openings at any
// page offset, each followed by packets both ways. Must never crash or touch memory outside the
// 2 MiB of test RAM, and a ring whose pages are distinct must return what was written to it.
#include "vmbus-lite/gpadl/gpadl_table.h"
#include "vmbus-lite/gpadl/guest_ring_memory.h"
#include "vmbus-lite/protocol/parse.h"
#include "vmbus-lite/ring/incoming_ring.h"
#include "vmbus-lite/ring/outgoing_ring.h"

#include <algorithm>
#include <cstring>
#include <fuzzer/FuzzedDataProvider.h>

using namespace vmbus;

namespace {

constexpr uint64_t ram_bytes = 2 << 20;
constexpr uint64_t ram_pages = ram_bytes / 4096;

/// Mostly PFNs in RAM, sometimes just past it, sometimes anything (overflow included).
uint64_t fuzz_pfn(FuzzedDataProvider& input)
{
    switch (input.ConsumeIntegralInRange(0, 7)) {
    case 0:
        return input.ConsumeIntegral<uint64_t>();
    case 1:
        return ram_pages + input.ConsumeIntegralInRange<uint64_t>(0, 4);
    default:
        return input.ConsumeIntegralInRange<uint64_t>(0, ram_pages - 1);
    }
}

template<class T> void append(std::vector<std::byte>& message, const T& value)
{
    const auto bytes = std::as_bytes(std::span(&value, 1));
    message.insert(message.end(), bytes.begin(), bytes.end());
}

/// GPADL_HEADER as Linux builds it (one range, up to 26 PFNs), with fuzzed fields.
std::vector<std::byte> header_message(FuzzedDataProvider& input)
{
    const auto pages = input.ConsumeIntegralInRange<uint32_t>(1, 80);
    GpadlHeaderMessage header {};
    header.header.msgtype = MessageType::GpadlHeader;
    header.child_relid = input.ConsumeIntegralInRange<uint32_t>(1, 4);
    header.gpadl = input.ConsumeIntegralInRange<uint32_t>(0, 7);
    header.range_buflen = static_cast<uint16_t>(8 + pages * 8);
    header.rangecount = 1;
    std::vector<std::byte> message;
    append(message, header);
    const bool whole_pages = input.ConsumeBool();
    append(message, whole_pages ? pages * 4096 : input.ConsumeIntegral<uint32_t>()); // byte_count
    append(message, whole_pages ? 0u : input.ConsumeIntegral<uint32_t>()); // byte_offset
    for (uint32_t i = 0; i < std::min(pages, 26u); ++i) {
        append(message, fuzz_pfn(input));
    }
    return message;
}

std::vector<std::byte> body_message(FuzzedDataProvider& input)
{
    GpadlBodyMessage body {};
    body.header.msgtype = MessageType::GpadlBody;
    body.gpadl = input.ConsumeIntegralInRange<uint32_t>(0, 7);
    std::vector<std::byte> message;
    append(message, body);
    const auto count = input.ConsumeIntegralInRange(0, 28);
    for (int i = 0; i < count; ++i) {
        append(message, fuzz_pfn(input));
    }
    return message;
}

void feed(GpadlTable& table, std::span<const std::byte> message)
{
    auto parsed = parse_guest_message(message);
    if (!parsed) {
        return;
    }
    vmm::Result<GpadlProgress, GpadlFailure> result = GpadlProgress {};
    if (auto* header = std::get_if<GpadlHeader>(&*parsed)) {
        result = table.add_header(*header);
        // A refused header always owes the guest an answer, for the relid it named.
        if (!result && result.error().child_relid != header->child_relid) {
            __builtin_trap();
        }
    } else if (auto* body = std::get_if<GpadlBody>(&*parsed)) {
        result = table.add_body(*body);
        if (!result && result.error().error == GpadlError::UnknownId
            && result.error().child_relid) {
            __builtin_trap();
        }
    }
    if (result && result->complete && !table.find(result->gpadl)) {
        __builtin_trap();
    }
}

bool distinct(std::span<const uint64_t> pfns)
{
    std::vector<uint64_t> sorted(pfns.begin(), pfns.end());
    std::sort(sorted.begin(), sorted.end());
    return std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end();
}

/// Opens the GPADL as a ring pair, reads whatever the guest left in its outbound ring, and writes
/// packets into the inbound one, reading them back through a second view when that is meaningful.
void open_rings(FuzzedDataProvider& input, const vmm::GuestMemory& memory, const Gpadl& gpadl)
{
    const auto offset = input.ConsumeIntegralInRange<uint32_t>(0, 82);
    auto rings = map_ring_pair(memory, gpadl, offset);
    if (!rings) {
        return;
    }
    IncomingRing from_guest(*rings->guest_to_host);
    for (int i = 0; i < 8; ++i) {
        auto packet = from_guest.read();
        if (!packet) {
            break;
        }
        if (packet->payload().size() > packet->bytes.size()) {
            __builtin_trap();
        }
        from_guest.commit_read();
    }

    const auto inbound_pfns = std::span(gpadl.pfns).subspan(offset);
    // Two rings over shared pages would corrupt each other's packets: check only distinct ones.
    const bool checkable = distinct(gpadl.pfns);
    auto view = GuestRingMemory::map(memory, inbound_pfns);
    if (!view) {
        __builtin_trap(); // map_ring_pair just mapped these pages.
    }
    if (checkable) {
        // Start from an empty ring so what is written is exactly what is read.
        rings->host_to_guest->store(RingControl::WriteIndex, 0);
        rings->host_to_guest->store(RingControl::ReadIndex, 0);
    }
    OutgoingRing to_guest(*rings->host_to_guest);
    IncomingRing reader(**view);
    const int packets = input.ConsumeIntegralInRange(0, 4);
    for (int i = 0; i < packets; ++i) {
        const auto payload
            = input.ConsumeBytes<std::byte>(input.ConsumeIntegralInRange<size_t>(0, 9000));
        const PacketDescriptor descriptor { VM_PKT_DATA_INBAND, 0, 0, 0, uint64_t(i) };
        auto written = to_guest.write(descriptor, payload);
        auto packet = reader.read();
        if (checkable && written) {
            if (!packet || packet->descriptor.trans_id != uint64_t(i)
                || packet->payload().size() < payload.size()
                || !std::equal(payload.begin(), payload.end(), packet->payload().begin())) {
                __builtin_trap();
            }
        }
        reader.commit_read();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzedDataProvider input(data, size);
    auto memory = vmm::GuestMemory::allocate_for_test(ram_bytes);
    GpadlTable table(
        memory, { .max_pages_per_gpadl = 64, .max_gpadls = 6, .max_total_pages = 200 });
    for (int step = 0; step < 64 && input.remaining_bytes() > 0; ++step) {
        switch (input.ConsumeIntegralInRange(0, 7)) {
        case 0: { // Raw bytes as a SynIC message.
            const auto raw
                = input.ConsumeBytes<std::byte>(input.ConsumeIntegralInRange<size_t>(0, 240));
            feed(table, raw);
            break;
        }
        case 1:
        case 2:
            feed(table, header_message(input));
            break;
        case 3:
        case 4:
            feed(table, body_message(input));
            break;
        case 5:
            (void)table.remove(input.ConsumeIntegralInRange<uint32_t>(0, 7));
            if (input.ConsumeIntegralInRange(0, 7) == 0) {
                table.clear();
            }
            break;
        case 6: { // The guest scribbling on its own RAM, ring pages included.
            const auto at = input.ConsumeIntegralInRange<uint64_t>(0, ram_bytes - 1);
            const auto bytes
                = input.ConsumeBytes<std::byte>(input.ConsumeIntegralInRange<size_t>(0, 64));
            if (!bytes.empty()) { // GuestMemory::write memcpys from data(), null when empty.
                (void)memory.write(vmm::GuestAddress(at), bytes);
            }
            break;
        }
        case 7:
            if (const Gpadl* gpadl = table.find(input.ConsumeIntegralInRange<uint32_t>(0, 7))) {
                open_rings(input, memory, *gpadl);
            }
            break;
        }
        if (table.size() > 6 || table.reserved_pages() > 200) {
            __builtin_trap();
        }
    }
    return 0;
}
