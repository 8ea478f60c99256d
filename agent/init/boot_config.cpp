// SPDX-License-Identifier: Apache-2.0
#include "agent/init/boot_config.h"

#include <algorithm>
#include <charconv>

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

unsigned parse_disk_count(std::string_view text)
{
    unsigned count = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
    if (error != std::errc {} || end != text.data() + text.size() || count > max_disks) {
        return 0;
    }
    return count;
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
        } else if (word.starts_with("partvm.disks=")) {
            config.disks = parse_disk_count(word.substr(13));
        } else if (word.starts_with("partvm.hostname=") && word.size() > 16) {
            config.hostname = std::string(word.substr(16, 64)); // HOST_NAME_MAX
        }
    }
    return config;
}

std::vector<std::string> BootConfig::modules_to_load() const
{
    std::vector<std::string> out = modules;
    if (disks > 0) {
        for (const auto& module : disk_modules) {
            if (std::find(out.begin(), out.end(), module) == out.end()) {
                out.push_back(module);
            }
        }
    }
    return out;
}

} // namespace agent::init
