// SPDX-License-Identifier: Apache-2.0
// Runs a child process with captured stdout/stderr and a deadline, for integration tests.
#pragma once
#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <sys/types.h>
#include <vector>

namespace partvm_test {

struct ProcessResult {
    int exit_code { -1 }; ///< Exit status, or 128 + signal when killed by one.
    bool timed_out { false };
    std::string out;
    std::string err;
    double seconds { 0 };
    int signals_sent { 0 };
    double seconds_after_signal { 0 }; ///< From the first signal sent to the exit.
};

/// For a failing check's message: the exit, stderr, then the end of stdout (a CI log shows only
/// so much, and a guest's console runs long while what went wrong is said last).
std::ostream& operator<<(std::ostream& out, const ProcessResult& result);

/// When to signal the process under test (to test its signal handling).
struct SignalPlan {
    int signal { 0 }; ///< 0: never.
    std::chrono::milliseconds after { 0 }; ///< From the start...
    std::string once_stdout_has; ///< ...or, if set, from when stdout first contains this.
    int times { 1 }; ///< Sent this many times, `after` apart.
};

/// Tells a test running the process on another thread when it is ready, so that its peer starts
/// after that and not after a guessed delay: `then(true)` once stdout first contains `text`, or
/// `then(false)` when the process ends without printing it. Called once, on run_process's thread.
struct StdoutCue {
    std::string text;
    std::function<void(bool seen)> then;
};

/// Runs argv[0] (searched in PATH) with `argv`; kills it after `timeout`.
ProcessResult run_process(const std::vector<std::string>& argv,
    std::chrono::milliseconds timeout = std::chrono::seconds(300), const SignalPlan& plan = {},
    const std::string& stdin_path = "/dev/null", const StdoutCue& cue = {});

/// Path of the partvm binary under test: $PARTVM_BIN, else "partvm" beside the tests' build tree.
std::string partvm_binary();

/// An environment variable, or `fallback` when unset.
std::string env_or(const char* name, const std::string& fallback = "");

/// A whole file's text; empty if it cannot be read.
std::string read_text(const std::string& path);

/// The value of a "Name:\tvalue" line of a /proc status file (/proc/PID/status or a task's).
std::string status_field(const std::string& status_file, const std::string& name);
std::string status_field(pid_t pid, const std::string& name);

} // namespace partvm_test
