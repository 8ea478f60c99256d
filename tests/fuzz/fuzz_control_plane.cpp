// SPDX-License-Identifier: Apache-2.0
// A hostile guest driving the control plane: any sequence of channel messages, channel signals
// and scribbles over guest RAM (ring indices included), with devices coming and going. The host
// must never crash, and must never post a message longer than a SynIC slot carries or signal a
// relid outside the event-flag page.
#include "base/log.h"
#include "guestmem/guest_memory.h"
#include "vmbus-lite/control/control_plane.h"

#include <cstring>

using namespace vmbus;

namespace {

constexpr uint64_t ram_size = 1 << 20;

class CheckingHost final : public BusHost {
public:
    void post_to_guest(uint32_t vp, std::span<const std::byte> message) override
    {
        if (vp >= 2 || message.size() > max_message_size || message.size() < 8) {
            __builtin_trap();
        }
    }
    void signal_guest(uint32_t vp, uint32_t relid) override
    {
        if (vp >= 2 || relid == 0 || relid >= 2048) {
            __builtin_trap();
        }
    }
    bool watch_connection(uint32_t) override { return true; }
    void unwatch_connection(uint32_t) override { }
};

/// Echoes whatever arrives, so packets flow both ways.
class EchoDevice final : public Device {
public:
    OfferParams offer() const override { return {}; }
    bool opened(ChannelEndpoint&, std::span<const uint8_t> user_data) override
    {
        return user_data.empty() || user_data[0] != 0xff;
    }
    void on_packets(ChannelEndpoint& channel) override
    {
        for (int i = 0; i < 64; ++i) {
            auto packet = channel.receive();
            if (!packet) {
                return;
            }
            (void)channel.send(
                { .type = VM_PKT_DATA_INBAND, .trans_id = packet->descriptor.trans_id },
                packet->payload());
        }
    }
    void closed(ChannelEndpoint&) override { }
};

struct Input {
    const uint8_t* data;
    size_t size;
    uint8_t byte() { return take(1) ? data[-1] : 0; }
    const uint8_t* take(size_t n)
    {
        if (n > size) {
            return nullptr;
        }
        data += n;
        size -= n;
        return data - n;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    vmm::set_log_level(vmm::LogLevel::Error); // Refusals are expected here; logging them is noise.
    static vmm::GuestMemory memory = vmm::GuestMemory::allocate_for_test(ram_size);
    (void)memory.fill(vmm::GuestAddress(0), ram_size, std::byte { 0 });
    CheckingHost host;
    EchoDevice devices[3];
    bool offered[3] = {};
    ControlPlane control(memory, 2, host);
    Input in { data, size };
    while (in.size > 0) {
        const uint8_t op = in.byte();
        switch (op % 4) {
        case 0: { // A message of up to 250 bytes (the parser refuses over 240).
            const size_t length = std::min<size_t>(in.byte(), in.size);
            const auto* bytes = reinterpret_cast<const std::byte*>(in.take(length));
            control.handle_message(std::span(bytes, length));
            break;
        }
        case 1:
            control.on_guest_signal(connection_id_of(in.byte() % 8));
            break;
        case 2: { // The guest rewrites 8 bytes of the ring area (pages 0x10-0x1f).
            const uint64_t offset = 0x10000 + (uint64_t(in.byte()) << 8 | in.byte()) % 0x10000;
            if (const uint8_t* bytes = in.take(8)) {
                (void)memory.write(
                    vmm::GuestAddress(offset & ~7ull), std::as_bytes(std::span(bytes, 8)));
            }
            break;
        }
        case 3: {
            const size_t which = in.byte() % 3;
            if (offered[which]) {
                control.remove_device(devices[which]);
            } else {
                control.add_device(devices[which]);
            }
            offered[which] = !offered[which];
            break;
        }
        }
    }
    return 0;
}
