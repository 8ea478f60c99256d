// SPDX-License-Identifier: Apache-2.0
// The frame reader over arbitrary splits of a stream, and its bounds.
#include "agent/protocol/frame_reader.h"

#include "agent/protocol/flow.h"
#include "base/byte_queue.h"
#include "base/bytes.h"

#include <doctest/doctest.h>

using namespace agent::protocol;
using vmm::ByteQueue;

namespace {

std::vector<std::byte> three_frames()
{
    std::vector<std::byte> wire;
    encode(Hello { 1, 1, "h" }, wire);
    const std::vector<std::byte> data(70000, std::byte { 0xab });
    encode(Stdin { 2, data }, wire);
    encode(StdinEof { 2 }, wire);
    return wire;
}

/// Feeds `wire` in pieces of `step` bytes and returns the frame types seen.
std::vector<uint8_t> split_and_read(const std::vector<std::byte>& wire, size_t step)
{
    FrameReader reader;
    std::vector<uint8_t> types;
    for (size_t at = 0; at < wire.size(); at += step) {
        const size_t n = std::min(step, wire.size() - at);
        REQUIRE(reader.feed(std::span(wire).subspan(at, n)) == n);
        while (true) {
            auto frame = reader.next();
            REQUIRE(frame.has_value());
            if (!*frame) {
                break;
            }
            types.push_back((*frame)->type);
            if ((*frame)->type == 0x11) {
                CHECK((*frame)->payload.size() == 4 + 70000);
            }
        }
    }
    CHECK(reader.buffered() == 0);
    return types;
}

} // namespace

TEST_CASE("frames come out whole however the stream is split")
{
    const auto wire = three_frames();
    const std::vector<uint8_t> expected { 0x01, 0x11, 0x12 };
    for (size_t step : { size_t { 1 }, size_t { 3 }, size_t { 4 }, size_t { 5 }, size_t { 4096 },
             size_t { 65536 }, wire.size() }) {
        CAPTURE(step);
        CHECK(split_and_read(wire, step) == expected);
    }
}

TEST_CASE("a frame length of 0 or over the maximum is fatal")
{
    for (uint32_t length : { 0u, max_frame_length + 1, 0xffffffffu }) {
        FrameReader reader;
        std::vector<std::byte> header(4);
        vmm::store_le<uint32_t>(header, 0, length);
        reader.feed(header);
        auto frame = reader.next();
        REQUIRE_FALSE(frame.has_value());
        CHECK(frame.error() == DecodeError::BadLength);
    }
}

TEST_CASE("a maximal frame is accepted, and the buffer stops growing past it")
{
    FrameReader reader;
    std::vector<std::byte> header(5);
    vmm::store_le<uint32_t>(header, 0, max_frame_length);
    header[4] = std::byte { 0x11 };
    reader.feed(header);
    size_t fed = header.size();
    while (true) {
        auto space = reader.prepare(65536);
        if (space.empty()) {
            break;
        }
        std::fill(space.begin(), space.end(), std::byte { 1 });
        reader.commit(space.size());
        fed += space.size();
        REQUIRE(fed < 4 + max_frame_length + 2 * 65536);
    }
    CHECK(reader.buffered() >= 4 + max_frame_length);
    auto frame = reader.next();
    REQUIRE(frame.has_value());
    REQUIRE(frame->has_value());
    CHECK((*frame)->payload.size() == max_frame_length - 1);
    CHECK_FALSE(reader.prepare(65536).empty());
}

TEST_CASE("send and receive windows: spend, overrun, batched credit, caps")
{
    SendWindow send;
    CHECK(send.available() == initial_window);
    send.spend(initial_window - 10);
    CHECK(send.available() == 10);
    send.spend(100);
    CHECK(send.available() == 0);
    CHECK(send.grant(1000));
    CHECK(send.available() == 1000);
    CHECK_FALSE(send.grant(max_window));

    ReceiveWindow receive;
    CHECK(receive.receive(initial_window));
    CHECK_FALSE(receive.receive(1));
    receive.consumed(100);
    CHECK(receive.take_update(false) == 0); // too small to be worth a frame yet
    CHECK(receive.take_update(true) == 100); // but everything when the buffer is empty
    CHECK(receive.receive(100));
    CHECK_FALSE(receive.receive(1));
    receive.consumed(initial_window);
    CHECK(receive.take_update(false) == initial_window);
    CHECK(receive.take_update(true) == 0);
}

TEST_CASE("byte queue: FIFO across compaction")
{
    ByteQueue queue;
    std::vector<std::byte> chunk(100000);
    for (size_t i = 0; i < chunk.size(); ++i) {
        chunk[i] = std::byte(i * 7);
    }
    queue.append(chunk);
    queue.consume(70000);
    queue.append(chunk);
    CHECK(queue.size() == 130000);
    CHECK(queue.front()[0] == chunk[70000]);
    CHECK(queue.front()[30000] == chunk[0]);
    queue.consume(200000);
    CHECK(queue.empty());
}
