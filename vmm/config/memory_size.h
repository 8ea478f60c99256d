// SPDX-License-Identifier: Apache-2.0
// Memory sizes as users write them ("256M", "2GiB", "268435456") in TOML files and on the command
// line, and as error messages print them.
#pragma once
#include "base/result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace vmm {

/// Parses a whole number of MiB, or a whole number followed by a binary suffix: B (bytes), K, M, G,
/// T or KiB, MiB, GiB, TiB (case-insensitive; every suffix means a power of 1024). The result is
/// greater than zero and a multiple of 4 KiB. Each error message quotes the text it rejects.
Result<uint64_t, std::string> parse_memory_size(std::string_view text);

/// Converts a count of MiB (the TOML form `memory = 512`) to bytes. Rejects zero, negative counts
/// and counts whose byte size does not fit in 64 bits.
Result<uint64_t, std::string> memory_size_from_mib(int64_t mib);

/// Formats bytes with the largest binary unit that divides them exactly: "256 MiB", "1 TiB",
/// "4100 bytes". For messages only.
std::string format_memory_size(uint64_t bytes);

} // namespace vmm
