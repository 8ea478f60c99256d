// SPDX-License-Identifier: Apache-2.0
#include "agent/server/command.h"

#include <algorithm>

namespace agent::server {

namespace {

std::string_view name_of(std::string_view variable)
{
    return variable.substr(0, variable.find('='));
}

void set_variable(std::vector<std::string>& env, std::string variable)
{
    const auto name = name_of(variable);
    auto it = std::find_if(env.begin(), env.end(),
        [&](const std::string& existing) { return name_of(existing) == name; });
    if (it != env.end()) {
        *it = std::move(variable);
    } else {
        env.push_back(std::move(variable));
    }
}

} // namespace

std::vector<std::string> build_environment(
    const std::vector<std::string>& requested, std::string_view home, bool tty)
{
    std::vector<std::string> env;
    env.push_back("PATH=" + std::string(default_path));
    env.push_back("HOME=" + std::string(home));
    if (tty) {
        env.push_back("TERM=" + std::string(default_term));
    }
    for (const auto& variable : requested) {
        set_variable(env, variable);
    }
    return env;
}

const std::string* find_variable(const std::vector<std::string>& env, std::string_view name)
{
    for (const auto& variable : env) {
        if (variable.size() > name.size() && variable[name.size()] == '='
            && std::string_view(variable).substr(0, name.size()) == name) {
            return &variable;
        }
    }
    return nullptr;
}

std::vector<std::string> command_candidates(std::string_view argv0, std::string_view path)
{
    std::vector<std::string> candidates;
    if (argv0.empty()) {
        return candidates;
    }
    if (argv0.find('/') != std::string_view::npos) {
        candidates.emplace_back(argv0);
        return candidates;
    }
    while (true) {
        const size_t colon = path.find(':');
        const auto dir = path.substr(0, colon);
        std::string candidate(dir.empty() ? "." : dir);
        candidate += '/';
        candidate += argv0;
        candidates.push_back(std::move(candidate));
        if (colon == std::string_view::npos) {
            break;
        }
        path.remove_prefix(colon + 1);
    }
    return candidates;
}

} // namespace agent::server
