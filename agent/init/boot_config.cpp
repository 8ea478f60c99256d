// SPDX-License-Identifier: Apache-2.0
#include "agent/init/boot_config.h"

namespace agent::init {

namespace {

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

std::vector<std::string> split_commas(std::string_view list)
{
    std::vector<std::string> items;
    while (!list.empty()) {
        const size_t comma = list.find(',');
        if (const auto item = list.substr(0, comma); !item.empty()) {
            items.emplace_back(item);
        }
        list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    }
    return items;
}

} // namespace

BootConfig parse_cmdline(std::string_view cmdline)
{
    BootConfig config;
    size_t at = 0;
    while (at < cmdline.size()) {
        while (at < cmdline.size() && is_space(cmdline[at])) {
            ++at;
        }
        size_t end = at;
        while (end < cmdline.size() && !is_space(cmdline[end])) {
            ++end;
        }
        const auto word = cmdline.substr(at, end - at);
        at = end;
        if (word.starts_with("partvm.modules=")) {
            config.modules = split_commas(word.substr(15));
        } else if (word.starts_with("partvm.hostname=") && word.size() > 16) {
            config.hostname = std::string(word.substr(16, 64)); // HOST_NAME_MAX
        }
    }
    return config;
}

} // namespace agent::init
