// SPDX-License-Identifier: Apache-2.0
// What the host receives from a hostile guest agent. Two drives per input:
//  1. the frame reader (in fuzzer-chosen read sizes), the agent-message decoder and the host's
//     SessionTable, with byte-exact re-encoding of everything that decodes;
//  2. the real Client over a socketpair: handshake, then two sessions (one tty) fed these bytes
//     as the agent's side of the conversation. It must end (EOF closes it) without crashing,
//     whatever the bytes say.
#include "agent/client/client.h"
#include "agent/client/session_table.h"
#include "agent/protocol/codec.h"
#include "agent/protocol/frame_reader.h"
#include "tests/fuzz/fuzz_support.h"

#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace agent::protocol;
using agent::client::SessionTable;
using partvm_test::check_reencodes;

namespace {

void fuzz_decoder(const uint8_t* data, size_t size)
{
    SessionTable table;
    for (uint32_t id = 1; id <= 4; ++id) {
        table.open(id);
    }
    bool eager = false; // Alternates the client's choice of acknowledging output at once.
    partvm_test::for_each_frame(data, size, [&](const Frame& frame) {
        auto message = decode_agent_message(frame);
        if (!message) {
            return true;
        }
        check_reencodes(frame, *message);
        if (table.accept(*message) == nullptr) {
            if (const auto* output = std::get_if<Output>(&*message)) {
                eager = !eager;
                (void)table.output_consumed(output->session, output->data.size(), eager);
            }
            (void)table.stdin_available(1);
            table.stdin_sent(1, 1000);
        }
        return true;
    });
}

void fuzz_client(const uint8_t* data, size_t size)
{
    static const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0) {
        return;
    }
    // The whole conversation is written up front; what does not fit in the socket is dropped.
    (void)!::send(fds[1], data, size, MSG_NOSIGNAL);
    ::shutdown(fds[1], SHUT_WR);
    auto client = agent::client::Client::handshake(fds[0], 1000);
    if (client) {
        agent::client::SessionSpec specs[2];
        specs[0].exec.argv = { "cat" };
        specs[0].stdout_fd = null_fd;
        specs[0].stderr_fd = null_fd;
        specs[1].exec.argv = { "sh" };
        specs[1].exec.tty = true;
        specs[1].stdout_fd = -1;
        (void)client->run(specs);
    }
    ::close(fds[0]);
    ::close(fds[1]);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    std::signal(SIGPIPE, SIG_IGN);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz_decoder(data, size);
    fuzz_client(data, size);
    return 0;
}
