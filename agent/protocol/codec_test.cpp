// SPDX-License-Identifier: Apache-2.0
// Every message round-trips; the byte layout matches docs/agent-protocol.md; every limit and
// invalid value is rejected with the right error.
#include "agent/protocol/codec.h"

#include "agent/protocol/frame_reader.h"
#include "agent/protocol/limits.h"
#include "base/bytes.h"

#include <doctest/doctest.h>

#include <string_view>

using namespace agent::protocol;
using vmm::load_le;

namespace {

std::span<const std::byte> bytes_of(std::string_view text)
{
    return std::as_bytes(std::span(text.data(), text.size()));
}

std::string text_of(std::span<const std::byte> bytes)
{
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

/// The single frame in `wire`.
Frame only_frame(const std::vector<std::byte>& wire)
{
    REQUIRE(wire.size() >= 5);
    REQUIRE(load_le<uint32_t>(wire, 0) == wire.size() - 4);
    return { .type = static_cast<uint8_t>(wire[4]), .payload = std::span(wire).subspan(5) };
}

template<class T> T host_round_trip(const T& message)
{
    std::vector<std::byte> wire;
    encode(message, wire);
    auto decoded = decode_host_message(only_frame(wire));
    REQUIRE(decoded.has_value());
    REQUIRE(std::holds_alternative<T>(*decoded));
    return std::get<T>(*decoded);
}

template<class T> T agent_round_trip(const T& message)
{
    std::vector<std::byte> wire;
    encode(message, wire);
    auto decoded = decode_agent_message(only_frame(wire));
    REQUIRE(decoded.has_value());
    REQUIRE(std::holds_alternative<T>(*decoded));
    return std::get<T>(*decoded);
}

DecodeError host_error(uint8_t type, const std::vector<std::byte>& payload)
{
    auto decoded = decode_host_message({ .type = type, .payload = payload });
    REQUIRE_FALSE(decoded.has_value());
    return decoded.error();
}

DecodeError agent_error(uint8_t type, const std::vector<std::byte>& payload)
{
    auto decoded = decode_agent_message({ .type = type, .payload = payload });
    REQUIRE_FALSE(decoded.has_value());
    return decoded.error();
}

Exec sample_exec()
{
    return Exec {
        .session = 7,
        .argv = { "sh", "-c", "echo hi" },
        .env = { "A=1", "EMPTY=" },
        .cwd = "/tmp",
        .user = "1000:1000",
        .tty = true,
        .rows = 24,
        .cols = 80,
        .timeout_ms = 5000,
    };
}

std::vector<std::byte> payload_of(const Exec& exec)
{
    std::vector<std::byte> wire;
    encode(exec, wire);
    return { wire.begin() + 5, wire.end() };
}

} // namespace

TEST_CASE("HELLO round-trips in both directions")
{
    const Hello hello { .min_version = 1, .max_version = 3, .software = "partvm-agent 1" };
    CHECK(host_round_trip(hello) == hello);
    CHECK(agent_round_trip(hello) == hello);
}

TEST_CASE("EXEC round-trips with argv, env, cwd, user, tty and timeout")
{
    const auto exec = sample_exec();
    CHECK(host_round_trip(exec) == exec);
    Exec minimal;
    minimal.session = 1;
    minimal.argv = { "true" };
    CHECK(host_round_trip(minimal) == minimal);
}

TEST_CASE("EXEC layout: session, flags, rows, cols, timeout, then length-prefixed strings")
{
    std::vector<std::byte> wire;
    encode(Exec { .session = 9,
               .argv = { "ls" },
               .env = { "X=y" },
               .cwd = "/",
               .user = "",
               .tty = true,
               .rows = 50,
               .cols = 132,
               .timeout_ms = 1234 },
        wire);
    CHECK(load_le<uint8_t>(wire, 4) == 0x10);
    CHECK(load_le<uint32_t>(wire, 5) == 9);
    CHECK(load_le<uint8_t>(wire, 9) == 1); // tty flag
    CHECK(load_le<uint16_t>(wire, 10) == 50);
    CHECK(load_le<uint16_t>(wire, 12) == 132);
    CHECK(load_le<uint32_t>(wire, 14) == 1234);
    CHECK(load_le<uint32_t>(wire, 18) == 1); // cwd "/"
    CHECK(static_cast<char>(wire[22]) == '/');
    CHECK(load_le<uint32_t>(wire, 23) == 0); // user ""
    CHECK(load_le<uint32_t>(wire, 27) == 1); // argc
    CHECK(load_le<uint32_t>(wire, 31) == 2); // "ls"
    CHECK(load_le<uint32_t>(wire, 37) == 1); // envc
    CHECK(load_le<uint32_t>(wire, 41) == 3); // "X=y"
    CHECK(wire.size() == 48);
    CHECK(load_le<uint32_t>(wire, 0) == 44);
}

TEST_CASE("stream data is binary-safe and views the frame")
{
    std::string data("a\0b\xff\n", 5);
    std::vector<std::byte> wire;
    encode(Stdin { .session = 3, .data = bytes_of(data) }, wire);
    const auto frame = only_frame(wire);
    auto decoded = decode_host_message(frame);
    REQUIRE(decoded.has_value());
    const auto& in = std::get<Stdin>(*decoded);
    CHECK(in.session == 3);
    CHECK(text_of(in.data) == data);
    CHECK(in.data.data() == frame.payload.data() + 4);

    for (auto stream : { Stream::Stdout, Stream::Stderr }) {
        std::vector<std::byte> output_wire;
        encode(Output { .session = 4, .stream = stream, .data = bytes_of(data) }, output_wire);
        auto decoded_output = decode_agent_message(only_frame(output_wire));
        REQUIRE(decoded_output.has_value());
        const auto& out = std::get<Output>(*decoded_output);
        CHECK(out.session == 4);
        CHECK(out.stream == stream);
        CHECK(text_of(out.data) == data);
    }
    std::vector<std::byte> empty_wire;
    encode(Stdin { .session = 3, .data = {} }, empty_wire);
    CHECK(empty_wire.size() == data_frame_overhead);
    CHECK(std::get<Stdin>(*decode_host_message(only_frame(empty_wire))).data.empty());
}

TEST_CASE("encode_data_header writes what encode() writes before the data")
{
    const std::string data = "hello";
    std::vector<std::byte> wire;
    encode(Output { .session = 77, .stream = Stream::Stderr, .data = bytes_of(data) }, wire);
    std::vector<std::byte> header(data_frame_overhead);
    encode_data_header(MessageType::Stderr, 77, data.size(), header);
    CHECK(std::equal(header.begin(), header.end(), wire.begin()));
}

TEST_CASE("the small control messages round-trip")
{
    CHECK(host_round_trip(StdinEof { 5 }) == StdinEof { 5 });
    CHECK(host_round_trip(Signal { 5, 15 }) == Signal { 5, 15 });
    CHECK(host_round_trip(Resize { 5, 40, 120 }) == Resize { 5, 40, 120 });
    CHECK(host_round_trip(OutputWindow { 5, 65536 }) == OutputWindow { 5, 65536 });
    CHECK(agent_round_trip(StdinWindow { 5, 1 }) == StdinWindow { 5, 1 });
    CHECK(agent_round_trip(Started { 5, 42 }) == Started { 5, 42 });
    const Exited exited { .session = 5, .signaled = true, .value = 9, .timed_out = true };
    CHECK(agent_round_trip(exited) == exited);
    const Exited code { .session = 5, .signaled = false, .value = 255, .timed_out = false };
    CHECK(agent_round_trip(code) == code);
    const ErrorReport error {
        .session = 5, .stage = ErrorStage::Exec, .code = 2, .message = "nope: not found"
    };
    CHECK(agent_round_trip(error) == error);
    const ErrorReport fatal {
        .session = 0, .stage = ErrorStage::Protocol, .code = 71, .message = ""
    };
    CHECK(agent_round_trip(fatal) == fatal);
}

TEST_CASE("EXITED layout: session, flags (1 signaled, 2 timed out), value")
{
    std::vector<std::byte> wire;
    encode(Exited { .session = 2, .signaled = true, .value = 9, .timed_out = true }, wire);
    CHECK(wire.size() == 4 + 1 + 4 + 1 + 4);
    CHECK(load_le<uint8_t>(wire, 4) == 0x23);
    CHECK(load_le<uint32_t>(wire, 5) == 2);
    CHECK(load_le<uint8_t>(wire, 9) == 3);
    CHECK(load_le<uint32_t>(wire, 10) == 9);
}

TEST_CASE("ERROR text is truncated and made printable by the encoder")
{
    const ErrorReport error {
        .session = 1, .stage = ErrorStage::Cwd, .code = 2, .message = "bad\x1b[31m\npath"
    };
    CHECK(agent_round_trip(error).message == "bad?[31m?path");
    const ErrorReport long_error {
        .session = 1, .stage = ErrorStage::Cwd, .code = 2, .message = std::string(5000, 'x')
    };
    CHECK(agent_round_trip(long_error).message.size() == max_message_length);
}

TEST_CASE("each direction rejects the other direction's types and unknown ones")
{
    std::vector<std::byte> wire;
    encode(Started { 1, 2 }, wire);
    CHECK(host_error(0x20, { wire.begin() + 5, wire.end() }) == DecodeError::UnknownType);
    encode(StdinEof { 1 }, wire);
    CHECK(agent_error(0x12, { 4, std::byte { 0 } }) == DecodeError::UnknownType);
    CHECK(host_error(0, {}) == DecodeError::UnknownType);
    CHECK(host_error(0xff, {}) == DecodeError::UnknownType);
    CHECK(agent_error(0x7f, {}) == DecodeError::UnknownType);
}

TEST_CASE("truncated and overlong payloads are rejected")
{
    auto payload = payload_of(sample_exec());
    for (size_t cut = 0; cut < payload.size(); ++cut) {
        CHECK(host_error(0x10, { payload.begin(), payload.begin() + static_cast<long>(cut) })
            == DecodeError::Truncated);
    }
    payload.push_back(std::byte { 0 });
    CHECK(host_error(0x10, payload) == DecodeError::TrailingBytes);
    CHECK(
        host_error(0x12, std::vector<std::byte>(5, std::byte { 1 })) == DecodeError::TrailingBytes);
    CHECK(agent_error(0x20, std::vector<std::byte>(7, std::byte { 1 })) == DecodeError::Truncated);
}

TEST_CASE("EXEC limits: argc, envc and string lengths")
{
    auto exec = sample_exec();
    exec.argv.assign(max_argc + 1, "x");
    CHECK(validate(exec) == DecodeError::LimitExceeded);
    CHECK(host_error(0x10, payload_of(exec)) == DecodeError::LimitExceeded);

    exec = sample_exec();
    exec.env.assign(max_envc + 1, "A=b");
    CHECK(host_error(0x10, payload_of(exec)) == DecodeError::LimitExceeded);

    exec = sample_exec();
    exec.argv[1] = std::string(max_arg_length + 1, 'a');
    CHECK(host_error(0x10, payload_of(exec)) == DecodeError::LimitExceeded);
    exec.argv[1] = std::string(max_arg_length, 'a');
    CHECK(host_round_trip(exec) == exec);

    exec = sample_exec();
    exec.cwd = std::string(max_path_length + 1, '/');
    CHECK(host_error(0x10, payload_of(exec)) == DecodeError::LimitExceeded);
    exec = sample_exec();
    exec.user = std::string(max_user_length + 1, 'u');
    CHECK(host_error(0x10, payload_of(exec)) == DecodeError::LimitExceeded);
}

TEST_CASE("a hostile argc claims nothing it does not carry")
{
    std::vector<std::byte> payload(4 + 1 + 2 + 2 + 4 + 4 + 4);
    vmm::store_le<uint32_t>(payload, 0, 1); // session
    payload.resize(payload.size() + 4);
    vmm::store_le<uint32_t>(payload, payload.size() - 4, 4096); // argc, and no strings follow
    CHECK(host_error(0x10, payload) == DecodeError::Truncated);
    vmm::store_le<uint32_t>(payload, payload.size() - 4, 0xffffffff);
    CHECK(host_error(0x10, payload) == DecodeError::LimitExceeded);
}

TEST_CASE("EXEC values: session 0, empty argv, NUL bytes, env without a name, flag bits")
{
    auto exec = sample_exec();
    exec.session = 0;
    CHECK(host_error(0x10, payload_of(exec)) == DecodeError::InvalidValue);
    exec = sample_exec();
    exec.argv.clear();
    CHECK(host_error(0x10, payload_of(exec)) == DecodeError::InvalidValue);
    exec = sample_exec();
    exec.argv[0] = std::string("s\0h", 3);
    CHECK(host_error(0x10, payload_of(exec)) == DecodeError::InvalidValue);
    for (const char* bad : { "NOEQUALS", "=value" }) {
        exec = sample_exec();
        exec.env.push_back(bad);
        CHECK(host_error(0x10, payload_of(exec)) == DecodeError::InvalidValue);
    }
    exec = sample_exec();
    exec.cwd = std::string("/\0", 2);
    CHECK(host_error(0x10, payload_of(exec)) == DecodeError::InvalidValue);
    auto payload = payload_of(sample_exec());
    payload[4] = std::byte { 2 }; // an undefined flag
    CHECK(host_error(0x10, payload) == DecodeError::InvalidValue);
}

TEST_CASE("control values out of range are rejected")
{
    auto payload_of_msg = [](const auto& message) {
        std::vector<std::byte> wire;
        encode(message, wire);
        return std::vector<std::byte>(wire.begin() + 5, wire.end());
    };
    CHECK(host_error(0x13, payload_of_msg(Signal { 1, 0 })) == DecodeError::InvalidValue);
    CHECK(host_error(0x13, payload_of_msg(Signal { 1, 65 })) == DecodeError::InvalidValue);
    CHECK(host_error(0x15, payload_of_msg(OutputWindow { 1, 0 })) == DecodeError::InvalidValue);
    CHECK(host_error(0x15, payload_of_msg(OutputWindow { 1, max_window + 1 }))
        == DecodeError::InvalidValue);
    CHECK(host_error(0x11, payload_of_msg(Stdin { 0, {} })) == DecodeError::InvalidValue);
    CHECK(agent_error(0x23, payload_of_msg(Exited { 1, false, 256, false }))
        == DecodeError::InvalidValue);
    CHECK(agent_error(0x23, payload_of_msg(Exited { 1, true, 0, false }))
        == DecodeError::InvalidValue);
    CHECK(agent_error(0x23, payload_of_msg(Exited { 1, true, 65, false }))
        == DecodeError::InvalidValue);
    auto exited = payload_of_msg(Exited { 1, false, 0, false });
    exited[4] = std::byte { 4 };
    CHECK(agent_error(0x23, exited) == DecodeError::InvalidValue);
    // Session 0 if and only if the stage is Protocol.
    CHECK(agent_error(0x24, payload_of_msg(ErrorReport { 0, ErrorStage::Exec, 2, "" }))
        == DecodeError::InvalidValue);
    CHECK(agent_error(0x24, payload_of_msg(ErrorReport { 3, ErrorStage::Protocol, 2, "" }))
        == DecodeError::InvalidValue);
    auto error = payload_of_msg(ErrorReport { 3, ErrorStage::Exec, 2, "" });
    error[4] = std::byte { 6 }; // no such stage
    CHECK(agent_error(0x24, error) == DecodeError::InvalidValue);
    CHECK(agent_error(0x24, payload_of_msg(ErrorReport { 3, ErrorStage::Exec, 5000, "" }))
        == DecodeError::InvalidValue);
    CHECK(agent_error(0x20, payload_of_msg(Started { 0, 1 })) == DecodeError::InvalidValue);
}

TEST_CASE("HELLO: versions from 1, min <= max, printable name")
{
    auto payload_of_hello = [](uint32_t min, uint32_t max, std::string_view name) {
        std::vector<std::byte> payload(8);
        vmm::store_le<uint32_t>(payload, 0, min);
        vmm::store_le<uint32_t>(payload, 4, max);
        payload.resize(12);
        vmm::store_le<uint32_t>(payload, 8, static_cast<uint32_t>(name.size()));
        const auto bytes = bytes_of(name);
        payload.insert(payload.end(), bytes.begin(), bytes.end());
        return payload;
    };
    CHECK(decode_host_message({ 1, payload_of_hello(1, 1, "x") }).has_value());
    CHECK(host_error(1, payload_of_hello(0, 1, "x")) == DecodeError::InvalidValue);
    CHECK(host_error(1, payload_of_hello(2, 1, "x")) == DecodeError::InvalidValue);
    CHECK(host_error(1, payload_of_hello(1, 1, "a\tb")) == DecodeError::InvalidValue);
    CHECK(host_error(1, payload_of_hello(1, 1, std::string(max_software_length + 1, 'a')))
        == DecodeError::LimitExceeded);
}

TEST_CASE("describe names every decode error")
{
    for (auto error : { DecodeError::BadLength, DecodeError::UnknownType, DecodeError::Truncated,
             DecodeError::TrailingBytes, DecodeError::LimitExceeded, DecodeError::InvalidValue }) {
        CHECK(std::string_view(describe(error)) != "unknown decode error");
    }
}
