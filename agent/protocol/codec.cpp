// SPDX-License-Identifier: Apache-2.0
#include "agent/protocol/codec.h"

#include "agent/protocol/limits.h"
#include "agent/protocol/wire.h"

#include <algorithm>
#include <bit>

namespace agent::protocol {

static_assert(std::endian::native == std::endian::little, "the agent protocol is little-endian");

namespace {

using wire::Reader;
using wire::Writer;

constexpr uint8_t exec_flag_tty = 1;
constexpr uint8_t exited_flag_signaled = 1;
constexpr uint8_t exited_flag_timed_out = 2;
constexpr uint32_t max_errno = 4095; // Linux errno values are below this

/// Writes a frame around what `body` appends: the length is patched in afterwards.
template<class F> void frame(std::vector<std::byte>& out, MessageType type, F&& body)
{
    const size_t start = out.size();
    Writer writer(out);
    writer.put<uint32_t>(0);
    writer.put<uint8_t>(static_cast<uint8_t>(type));
    body(writer);
    vmm::store_le<uint32_t>(
        out, start, static_cast<uint32_t>(out.size() - start - frame_header_size));
}

bool printable(std::string_view text)
{
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

/// Truncated and made printable: ERROR text may come from paths and strerror.
std::string sanitized(std::string_view text, size_t limit)
{
    std::string out(text.substr(0, limit));
    std::replace_if(
        out.begin(), out.end(), [](char c) { return c < 0x20 || c >= 0x7f; }, '?');
    return out;
}

bool has_nul(std::string_view text)
{
    return text.find('\0') != std::string_view::npos;
}

// Each parse_* reads one payload; `fail` remembers why the first failing read failed.
struct Parser {
    Reader in;
    DecodeError failure { DecodeError::Truncated };

    template<class T> bool get(T& value) { return in.get(value); }
    bool string(std::string& text, size_t limit)
    {
        bool too_long = false;
        if (!in.get_string(text, limit, too_long)) {
            failure = too_long ? DecodeError::LimitExceeded : DecodeError::Truncated;
            return false;
        }
        return true;
    }
    bool session(uint32_t& id)
    {
        if (!in.get(id)) {
            return false;
        }
        if (id == 0) {
            failure = DecodeError::InvalidValue;
            return false;
        }
        return true;
    }
    bool invalid()
    {
        failure = DecodeError::InvalidValue;
        return false;
    }
    bool limit()
    {
        failure = DecodeError::LimitExceeded;
        return false;
    }
};

template<class T> using Decoded = vmm::Result<T, DecodeError>;

/// Runs `parse` over the payload and insists that it used every byte.
template<class T, class F> Decoded<T> parse(std::span<const std::byte> payload, F&& parse_fields)
{
    Parser p { Reader(payload) };
    T message {};
    if (!parse_fields(p, message)) {
        return vmm::unexpected(p.failure);
    }
    if (p.in.remaining() != 0) {
        return vmm::unexpected(DecodeError::TrailingBytes);
    }
    return message;
}

Decoded<Hello> parse_hello(std::span<const std::byte> payload)
{
    return parse<Hello>(payload, [](Parser& p, Hello& m) {
        if (!p.get(m.min_version) || !p.get(m.max_version)
            || !p.string(m.software, max_software_length)) {
            return false;
        }
        if (m.min_version == 0 || m.min_version > m.max_version || !printable(m.software)) {
            return p.invalid();
        }
        return true;
    });
}

Decoded<Exec> parse_exec(std::span<const std::byte> payload)
{
    auto decoded = parse<Exec>(payload, [](Parser& p, Exec& m) {
        uint8_t flags = 0;
        if (!p.session(m.session) || !p.get(flags) || !p.get(m.rows) || !p.get(m.cols)
            || !p.get(m.timeout_ms) || !p.string(m.cwd, max_path_length)
            || !p.string(m.user, max_user_length)) {
            return false;
        }
        if ((flags & ~exec_flag_tty) != 0) {
            return p.invalid();
        }
        m.tty = (flags & exec_flag_tty) != 0;
        // Counts are checked before anything is reserved: a hostile count cannot allocate.
        uint32_t argc = 0;
        if (!p.get(argc)) {
            return false;
        }
        if (argc > max_argc) {
            return p.limit();
        }
        for (uint32_t i = 0; i < argc; ++i) {
            if (!p.string(m.argv.emplace_back(), max_arg_length)) {
                return false;
            }
        }
        uint32_t envc = 0;
        if (!p.get(envc)) {
            return false;
        }
        if (envc > max_envc) {
            return p.limit();
        }
        for (uint32_t i = 0; i < envc; ++i) {
            if (!p.string(m.env.emplace_back(), max_arg_length)) {
                return false;
            }
        }
        return true;
    });
    if (decoded) {
        if (auto invalid = validate(*decoded)) {
            return vmm::unexpected(*invalid);
        }
    }
    return decoded;
}

template<class T> Decoded<T> parse_session_only(std::span<const std::byte> payload)
{
    return parse<T>(payload, [](Parser& p, T& m) { return p.session(m.session); });
}

template<class T> Decoded<T> parse_window(std::span<const std::byte> payload)
{
    return parse<T>(payload, [](Parser& p, T& m) {
        if (!p.session(m.session) || !p.get(m.increment)) {
            return false;
        }
        return (m.increment == 0 || m.increment > max_window) ? p.invalid() : true;
    });
}

/// {session, bytes...}: the data views the payload.
template<class T> Decoded<T> parse_data(std::span<const std::byte> payload, T message)
{
    Parser p { Reader(payload) };
    if (!p.session(message.session)) {
        return vmm::unexpected(p.failure);
    }
    message.data = p.in.rest();
    return message;
}

Decoded<Signal> parse_signal(std::span<const std::byte> payload)
{
    return parse<Signal>(payload, [](Parser& p, Signal& m) {
        if (!p.session(m.session) || !p.get(m.signo)) {
            return false;
        }
        return (m.signo == 0 || m.signo > max_signal) ? p.invalid() : true;
    });
}

Decoded<Resize> parse_resize(std::span<const std::byte> payload)
{
    return parse<Resize>(payload, [](Parser& p, Resize& m) {
        return p.session(m.session) && p.get(m.rows) && p.get(m.cols);
    });
}

Decoded<Started> parse_started(std::span<const std::byte> payload)
{
    return parse<Started>(
        payload, [](Parser& p, Started& m) { return p.session(m.session) && p.get(m.pid); });
}

Decoded<Exited> parse_exited(std::span<const std::byte> payload)
{
    return parse<Exited>(payload, [](Parser& p, Exited& m) {
        uint8_t flags = 0;
        if (!p.session(m.session) || !p.get(flags) || !p.get(m.value)) {
            return false;
        }
        if ((flags & ~(exited_flag_signaled | exited_flag_timed_out)) != 0) {
            return p.invalid();
        }
        m.signaled = (flags & exited_flag_signaled) != 0;
        m.timed_out = (flags & exited_flag_timed_out) != 0;
        const bool valid = m.signaled ? (m.value >= 1 && m.value <= max_signal) : m.value <= 255;
        return valid ? true : p.invalid();
    });
}

Decoded<ErrorReport> parse_error(std::span<const std::byte> payload)
{
    return parse<ErrorReport>(payload, [](Parser& p, ErrorReport& m) {
        uint8_t stage = 0;
        if (!p.get(m.session) || !p.get(stage) || !p.get(m.code)
            || !p.string(m.message, max_message_length)) {
            return false;
        }
        // Session 0 and only session 0 carries connection-level (protocol) errors.
        if (stage > max_error_stage || (m.session == 0) != (stage == 0) || m.code > max_errno
            || !printable(m.message)) {
            return p.invalid();
        }
        m.stage = static_cast<ErrorStage>(stage);
        return true;
    });
}

/// Widens a parsed message into the direction's variant.
template<class V, class T> vmm::Result<V, DecodeError> widen(Decoded<T>&& decoded)
{
    if (!decoded) {
        return vmm::unexpected(decoded.error());
    }
    return V(std::move(decoded).value());
}

} // namespace

const char* describe(DecodeError error)
{
    switch (error) {
    case DecodeError::BadLength:
        return "frame length out of range";
    case DecodeError::UnknownType:
        return "unknown message type";
    case DecodeError::Truncated:
        return "message truncated";
    case DecodeError::TrailingBytes:
        return "trailing bytes after message";
    case DecodeError::LimitExceeded:
        return "message exceeds a protocol limit";
    case DecodeError::InvalidValue:
        return "message field has an invalid value";
    }
    return "unknown decode error";
}

std::optional<DecodeError> validate(const Exec& m)
{
    if (m.session == 0 || m.argv.empty()) {
        return DecodeError::InvalidValue;
    }
    if (m.argv.size() > max_argc || m.env.size() > max_envc || m.cwd.size() > max_path_length
        || m.user.size() > max_user_length) {
        return DecodeError::LimitExceeded;
    }
    for (const auto& arg : m.argv) {
        if (arg.size() > max_arg_length) {
            return DecodeError::LimitExceeded;
        }
        if (has_nul(arg)) {
            return DecodeError::InvalidValue;
        }
    }
    for (const auto& var : m.env) {
        if (var.size() > max_arg_length) {
            return DecodeError::LimitExceeded;
        }
        const size_t eq = var.find('=');
        if (eq == 0 || eq == std::string::npos || has_nul(var)) {
            return DecodeError::InvalidValue;
        }
    }
    if (has_nul(m.cwd) || has_nul(m.user)) {
        return DecodeError::InvalidValue;
    }
    return std::nullopt;
}

void encode_data_header(MessageType type, uint32_t session, size_t size, std::span<std::byte> out)
{
    vmm::store_le<uint32_t>(out, 0, static_cast<uint32_t>(data_frame_overhead - 4 + size));
    vmm::store_le<uint8_t>(out, 4, static_cast<uint8_t>(type));
    vmm::store_le<uint32_t>(out, 5, session);
}

void encode(const Hello& m, std::vector<std::byte>& out)
{
    frame(out, MessageType::Hello, [&](Writer& w) {
        w.put<uint32_t>(m.min_version);
        w.put<uint32_t>(m.max_version);
        w.put_string(sanitized(m.software, max_software_length));
    });
}

void encode(const Exec& m, std::vector<std::byte>& out)
{
    frame(out, MessageType::Exec, [&](Writer& w) {
        w.put<uint32_t>(m.session);
        w.put<uint8_t>(m.tty ? exec_flag_tty : 0);
        w.put<uint16_t>(m.rows);
        w.put<uint16_t>(m.cols);
        w.put<uint32_t>(m.timeout_ms);
        w.put_string(m.cwd);
        w.put_string(m.user);
        w.put<uint32_t>(static_cast<uint32_t>(m.argv.size()));
        for (const auto& arg : m.argv) {
            w.put_string(arg);
        }
        w.put<uint32_t>(static_cast<uint32_t>(m.env.size()));
        for (const auto& var : m.env) {
            w.put_string(var);
        }
    });
}

void encode(const Stdin& m, std::vector<std::byte>& out)
{
    frame(out, MessageType::Stdin, [&](Writer& w) {
        w.put<uint32_t>(m.session);
        w.put_bytes(m.data);
    });
}

void encode(const StdinEof& m, std::vector<std::byte>& out)
{
    frame(out, MessageType::StdinEof, [&](Writer& w) { w.put<uint32_t>(m.session); });
}

void encode(const Signal& m, std::vector<std::byte>& out)
{
    frame(out, MessageType::Signal, [&](Writer& w) {
        w.put<uint32_t>(m.session);
        w.put<uint32_t>(m.signo);
    });
}

void encode(const Resize& m, std::vector<std::byte>& out)
{
    frame(out, MessageType::Resize, [&](Writer& w) {
        w.put<uint32_t>(m.session);
        w.put<uint16_t>(m.rows);
        w.put<uint16_t>(m.cols);
    });
}

void encode(const OutputWindow& m, std::vector<std::byte>& out)
{
    frame(out, MessageType::OutputWindow, [&](Writer& w) {
        w.put<uint32_t>(m.session);
        w.put<uint32_t>(m.increment);
    });
}

void encode(const Started& m, std::vector<std::byte>& out)
{
    frame(out, MessageType::Started, [&](Writer& w) {
        w.put<uint32_t>(m.session);
        w.put<uint32_t>(m.pid);
    });
}

void encode(const Output& m, std::vector<std::byte>& out)
{
    const auto type = m.stream == Stream::Stdout ? MessageType::Stdout : MessageType::Stderr;
    frame(out, type, [&](Writer& w) {
        w.put<uint32_t>(m.session);
        w.put_bytes(m.data);
    });
}

void encode(const Exited& m, std::vector<std::byte>& out)
{
    frame(out, MessageType::Exited, [&](Writer& w) {
        w.put<uint32_t>(m.session);
        w.put<uint8_t>(
            (m.signaled ? exited_flag_signaled : 0) | (m.timed_out ? exited_flag_timed_out : 0));
        w.put<uint32_t>(m.value);
    });
}

void encode(const ErrorReport& m, std::vector<std::byte>& out)
{
    frame(out, MessageType::Error, [&](Writer& w) {
        w.put<uint32_t>(m.session);
        w.put<uint8_t>(static_cast<uint8_t>(m.stage));
        w.put<uint32_t>(m.code);
        w.put_string(sanitized(m.message, max_message_length));
    });
}

void encode(const StdinWindow& m, std::vector<std::byte>& out)
{
    frame(out, MessageType::StdinWindow, [&](Writer& w) {
        w.put<uint32_t>(m.session);
        w.put<uint32_t>(m.increment);
    });
}

void encode(const HostMessage& message, std::vector<std::byte>& out)
{
    std::visit([&](const auto& m) { encode(m, out); }, message);
}

void encode(const AgentMessage& message, std::vector<std::byte>& out)
{
    std::visit([&](const auto& m) { encode(m, out); }, message);
}

vmm::Result<HostMessage, DecodeError> decode_host_message(const Frame& frame)
{
    using M = HostMessage;
    const auto payload = frame.payload;
    switch (static_cast<MessageType>(frame.type)) {
    case MessageType::Hello:
        return widen<M>(parse_hello(payload));
    case MessageType::Exec:
        return widen<M>(parse_exec(payload));
    case MessageType::Stdin:
        return widen<M>(parse_data(payload, Stdin {}));
    case MessageType::StdinEof:
        return widen<M>(parse_session_only<StdinEof>(payload));
    case MessageType::Signal:
        return widen<M>(parse_signal(payload));
    case MessageType::Resize:
        return widen<M>(parse_resize(payload));
    case MessageType::OutputWindow:
        return widen<M>(parse_window<OutputWindow>(payload));
    default:
        return vmm::unexpected(DecodeError::UnknownType);
    }
}

vmm::Result<AgentMessage, DecodeError> decode_agent_message(const Frame& frame)
{
    using M = AgentMessage;
    const auto payload = frame.payload;
    switch (static_cast<MessageType>(frame.type)) {
    case MessageType::Hello:
        return widen<M>(parse_hello(payload));
    case MessageType::Started:
        return widen<M>(parse_started(payload));
    case MessageType::Stdout:
        return widen<M>(
            parse_data(payload, Output { .session = 0, .stream = Stream::Stdout, .data = {} }));
    case MessageType::Stderr:
        return widen<M>(
            parse_data(payload, Output { .session = 0, .stream = Stream::Stderr, .data = {} }));
    case MessageType::Exited:
        return widen<M>(parse_exited(payload));
    case MessageType::Error:
        return widen<M>(parse_error(payload));
    case MessageType::StdinWindow:
        return widen<M>(parse_window<StdinWindow>(payload));
    default:
        return vmm::unexpected(DecodeError::UnknownType);
    }
}

} // namespace agent::protocol
