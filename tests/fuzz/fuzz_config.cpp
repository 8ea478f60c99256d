// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for user config (docs/conventions.md#tests-and-fuzz-targets): arbitrary
// bytes through parse_toml_config(), validate() and parse_memory_size() must not crash, hang or
// trip a sanitizer, and every failure must come with at least one located error. The same bytes
// as a --disk value must parse and format back to the same disk.
#include "vmm/config/disk_flag.h"
#include "vmm/config/memory_size.h"
#include "vmm/config/parse_toml.h"
#include "vmm/config/validate.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace vmm;

namespace {

/// Invariants a caller relies on; a violation is a bug even if nothing crashed.
void require(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    // SAFETY: libFuzzer hands us size readable bytes at data; char may alias any object.
    std::string_view text(reinterpret_cast<const char*>(data), size);

    ConfigSourceMap sources;
    auto parsed = parse_toml_config(text, "/fuzz/vms/vm.toml", &sources);
    if (!parsed) {
        require(!parsed.error().empty());
        for (const ConfigError& error : parsed.error()) {
            require(error.file == "/fuzz/vms/vm.toml");
            require(error.line != 0);
            require(!error.to_string().empty());
        }
    } else {
        for (ConfigError& error : validate(parsed.value())) {
            require(!error.key_path.empty());
            sources.locate(error);
            require(!error.to_string().empty());
        }
    }

    // The same bytes as a --memory flag value.
    auto bytes = parse_memory_size(text);
    if (bytes) {
        require(bytes.value() != 0 && bytes.value() % memory_granule == 0);
    }

    // The same bytes as a --disk value: what parses must survive partvm run's re-spelling.
    if (auto disk = parse_disk_flag(text)) {
        require(!disk.value().path.empty());
        auto again = parse_disk_flag(format_disk_flag(disk.value()));
        require(again.has_value() && again.value() == disk.value());
    }
    return 0;
}
