// SPDX-License-Identifier: Apache-2.0
// What a session's process gets: its environment (defaults under the host's variables) and the
// paths execve() tries for argv[0] (a PATH search done here, as glibc's execvpe would search the
// agent's PATH rather than the command's). Pure.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace agent::server {

constexpr std::string_view default_path
    = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr std::string_view default_term = "xterm-256color";

/// PATH, HOME (and TERM in tty mode), each replaced by a variable of the same name in
/// `requested`; then `requested` in order, later duplicates replacing earlier ones.
std::vector<std::string> build_environment(
    const std::vector<std::string>& requested, std::string_view home, bool tty);

/// The value of `name` in an environment, or nullptr.
const std::string* find_variable(const std::vector<std::string>& env, std::string_view name);

/// argv[0] itself when it has a '/', else each PATH directory joined with it (an empty entry is
/// the working directory). An empty argv[0] yields nothing: "command not found".
std::vector<std::string> command_candidates(std::string_view argv0, std::string_view path);

} // namespace agent::server
