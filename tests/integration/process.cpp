// SPDX-License-Identifier: Apache-2.0
#include "tests/integration/process.h"

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace partvm_test {

namespace {

void drain(int fd, std::string& sink, bool& open)
{
    char buffer[65536];
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n > 0) {
        sink.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        open = false;
    }
}

} // namespace

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
    const SignalPlan& plan, const std::string& stdin_path, const StdoutCue& cue)
{
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) < 0 || ::pipe2(err_pipe, O_CLOEXEC) < 0) {
        std::abort();
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, stdin_path.c_str(), O_RDONLY, 0);
    std::vector<char*> args;
    for (const auto& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);

    const auto start = std::chrono::steady_clock::now();
    pid_t pid = -1;
    ProcessResult result;
    if (::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
        result.err = "spawn failed: " + argv[0];
        if (cue.then) {
            cue.then(false);
        }
        return result;
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);

    bool out_open = true;
    bool err_open = true;
    using Clock = std::chrono::steady_clock;
    std::optional<Clock::time_point> plan_start; // When `plan.after` starts counting.
    if (plan.once_stdout_has.empty()) {
        plan_start = start;
    }
    Clock::time_point first_signal {};
    bool cued = false;
    while (out_open || err_open) {
        const auto now = Clock::now();
        const auto elapsed = now - start;
        if (!plan_start && result.out.find(plan.once_stdout_has) != std::string::npos) {
            plan_start = now;
        }
        if (plan.signal && plan_start && result.signals_sent < plan.times
            && now - *plan_start >= plan.after * (result.signals_sent + 1)) {
            ::kill(pid, plan.signal);
            if (result.signals_sent++ == 0) {
                first_signal = now;
            }
        }
        if (elapsed >= timeout) {
            result.timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        pollfd fds[2] = { { out_open ? out_pipe[0] : -1, POLLIN, 0 },
            { err_open ? err_pipe[0] : -1, POLLIN, 0 } };
        ::poll(fds, 2, 50);
        if (fds[0].revents) {
            drain(out_pipe[0], result.out, out_open);
        }
        if (fds[1].revents) {
            drain(err_pipe[0], result.err, err_open);
        }
        if (cue.then && !cued && result.out.find(cue.text) != std::string::npos) {
            cued = true;
            cue.then(true);
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (cue.then && !cued) {
        cue.then(false);
    }
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    const auto end = Clock::now();
    result.seconds = std::chrono::duration<double>(end - start).count();
    if (result.signals_sent > 0) {
        result.seconds_after_signal = std::chrono::duration<double>(end - first_signal).count();
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

std::string env_or(const char* name, const std::string& fallback)
{
    const char* value = std::getenv(name);
    return value && *value ? std::string(value) : fallback;
}

std::ostream& operator<<(std::ostream& out, const ProcessResult& result)
{
    constexpr size_t stdout_tail = 6000;
    const bool cut = result.out.size() > stdout_tail;
    out << "exit " << result.exit_code << (result.timed_out ? " (timed out)" : "") << "\nstderr:\n"
        << result.err << "\nstdout" << (cut ? " (its end)" : "") << ":\n"
        << (cut ? result.out.substr(result.out.size() - stdout_tail) : result.out);
    return out;
}

std::string partvm_binary()
{
    return env_or("PARTVM_BIN", PARTVM_DEFAULT_BIN);
}

std::string read_text(const std::string& path)
{
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

std::string status_field(const std::string& status_file, const std::string& name)
{
    std::istringstream lines(read_text(status_file));
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(name + ":", 0) == 0) {
            const size_t start = line.find_first_not_of(" \t", name.size() + 1);
            return start == std::string::npos ? "" : line.substr(start);
        }
    }
    return "";
}

std::string status_field(pid_t pid, const std::string& name)
{
    return status_field("/proc/" + std::to_string(pid) + "/status", name);
}

} // namespace partvm_test
