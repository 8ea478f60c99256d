// SPDX-License-Identifier: Apache-2.0
#include "vmm/config/disk_flag.h"

#include "vmm/config/suggest.h"

#include <fmt/core.h>

#include <array>
#include <vector>

namespace vmm {
namespace {

/// The words between unescaped commas, unescaped.
std::vector<std::string> split_words(std::string_view text)
{
    std::vector<std::string> words(1);
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\' && i + 1 < text.size() && (text[i + 1] == ',' || text[i + 1] == '\\')) {
            words.back() += text[++i];
        } else if (c == ',') {
            words.emplace_back();
        } else {
            words.back() += c;
        }
    }
    return words;
}

std::string escape(std::string_view text)
{
    std::string escaped;
    for (char c : text) {
        if (c == ',' || c == '\\') {
            escaped += '\\';
        }
        escaped += c;
    }
    return escaped;
}

} // namespace

Result<DiskConfig, std::string> parse_disk_flag(std::string_view text)
{
    std::vector<std::string> words = split_words(text);
    DiskConfig disk;
    disk.path = std::move(words[0]);
    if (disk.path.empty()) {
        return unexpected(
            std::string("no path before the options (PATH[,ro][,serial=S][,direct])"));
    }
    bool seen_ro = false;
    bool seen_serial = false;
    bool seen_direct = false;
    for (size_t i = 1; i < words.size(); ++i) {
        const std::string& word = words[i];
        const std::string_view name = std::string_view(word).substr(0, word.find('='));
        bool* seen = nullptr;
        if (word == "ro") {
            seen = &seen_ro;
            disk.read_only = true;
        } else if (word == "direct") {
            seen = &seen_direct;
            disk.direct = true;
        } else if (name == "serial" && word.size() > name.size()) {
            seen = &seen_serial;
            disk.serial = word.substr(name.size() + 1);
            if (disk.serial.empty()) {
                return unexpected(std::string("serial= needs a value (serial=S)"));
            }
        } else {
            if (word.empty()) {
                return unexpected(
                    std::string("an empty option (two commas in a row, or one at the end?)"));
            }
            static const std::array<std::string, 3> known { "ro", "serial", "direct" };
            std::string message = fmt::format("unknown option '{}'", word);
            if (auto match = closest_match(name, known)) {
                message += fmt::format(
                    " (did you mean '{}'?)", *match == "serial" ? "serial=S" : *match);
            } else {
                message += " (expected ro, serial=S or direct)";
            }
            return unexpected(std::move(message));
        }
        if (*seen) {
            return unexpected(fmt::format("'{}' is given twice", name));
        }
        *seen = true;
    }
    return disk;
}

std::string format_disk_flag(const DiskConfig& disk)
{
    std::string text = escape(disk.path);
    if (disk.read_only) {
        text += ",ro";
    }
    if (!disk.serial.empty()) {
        text += ",serial=" + escape(disk.serial);
    }
    if (disk.direct) {
        text += ",direct";
    }
    return text;
}

} // namespace vmm
