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

/// A device name under /dev, not a path: nothing the kernel would not name a disk.
std::string parse_root_name(std::string_view text)
{
    constexpr size_t max_name = 32;
    const bool ok = !text.empty() && text.size() <= max_name
        && std::all_of(text.begin(), text.end(),
            [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
    return ok ? std::string(text) : std::string();
}

void add_missing(std::vector<std::string>& list, const std::vector<std::string>& extra)
{
    for (const auto& module : extra) {
        if (std::find(list.begin(), list.end(), module) == list.end()) {
            list.push_back(module);
        }
    }
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
        } else if (word.starts_with("partvm.root=")) {
            config.root = parse_root_name(word.substr(12));
        } else if (word.starts_with("partvm.hostname=") && word.size() > 16) {
            config.hostname = std::string(word.substr(16, 64)); // HOST_NAME_MAX
        }
    }
    return config;
}

std::vector<std::string> BootConfig::modules_to_load() const
{
    std::vector<std::string> out = modules;
    if (disks > 0 || !root.empty()) {
        add_missing(out, disk_modules);
    }
    if (!root.empty()) {
        add_missing(out, root_modules);
    }
    return out;
}

} // namespace agent::init
