// SPDX-License-Identifier: Apache-2.0
// What the host accepts from the agent, session by session.
#include "agent/client/session_table.h"

#include <doctest/doctest.h>

using namespace agent::client;
using namespace agent::protocol;

namespace {

Output output_of(uint32_t session, std::span<const std::byte> data)
{
    return { .session = session, .stream = Stream::Stdout, .data = data };
}

} // namespace

TEST_CASE("the normal life of a session: STARTED, output, window, EXITED")
{
    SessionTable table;
    table.open(1);
    CHECK(table.accept(Started { 1, 100 }) == nullptr);
    const std::vector<std::byte> data(1000);
    CHECK(table.accept(output_of(1, data)) == nullptr);
    CHECK(table.output_consumed(1, 1000, true) == 1000);
    CHECK(table.accept(StdinWindow { 1, 10 }) == nullptr);
    CHECK(table.stdin_available(1) == initial_window + 10);
    table.stdin_sent(1, 11);
    CHECK(table.stdin_available(1) == initial_window - 1);
    CHECK(table.accept(Exited { 1, false, 0, false }) == nullptr);
    CHECK_FALSE(table.contains(1));
    CHECK(table.stdin_available(1) == 0);
    CHECK(table.output_consumed(1, 5, true) == 0);
}

TEST_CASE("violations: unknown sessions, order, repeats, windows")
{
    SessionTable table;
    table.open(1);
    const std::vector<std::byte> data(10);
    CHECK(table.accept(Started { 2, 1 }) != nullptr);
    CHECK(table.accept(output_of(1, data)) != nullptr); // before STARTED
    CHECK(table.accept(Exited { 1, false, 0, false }) != nullptr); // before STARTED
    CHECK(table.accept(Hello { 1, 1, "" }) != nullptr);
    CHECK(table.accept(Started { 1, 1 }) == nullptr);
    CHECK(table.accept(Started { 1, 1 }) != nullptr);
    CHECK(table.accept(ErrorReport { 1, ErrorStage::Exec, 2, "" }) != nullptr); // after STARTED
    CHECK(table.accept(StdinWindow { 1, max_window }) != nullptr);
    const std::vector<std::byte> big(initial_window + 1);
    CHECK(table.accept(output_of(1, big)) != nullptr);
    CHECK(table.accept(ErrorReport { 0, ErrorStage::Protocol, 71, "" }) == nullptr);
    CHECK(table.accept(Exited { 1, true, 9, true }) == nullptr);
    CHECK(table.accept(Exited { 1, true, 9, true }) != nullptr); // ended already
}

TEST_CASE("ERROR instead of STARTED ends the session")
{
    SessionTable table;
    table.open(4);
    CHECK(table.accept(ErrorReport { 4, ErrorStage::Exec, 2, "x: command not found" }) == nullptr);
    CHECK_FALSE(table.contains(4));
    CHECK(table.accept(Started { 4, 1 }) != nullptr);
}
