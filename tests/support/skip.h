// SPDX-License-Identifier: Apache-2.0
// Skipping doctest cases whose tool, file or privilege is missing, so that a run reports them
// as skipped, not passed: decorate each with `* doctest::skip(partvm_test::skip_unless(...))`.
// Decorators are evaluated as the cases register, before main() and whatever the filters.
#pragma once
#include <cstdio>
#include <string_view>

namespace partvm_test {

/// True (skip) when `available` is false, after printing `reason` to stderr: doctest's summary
/// only counts skipped cases, this line says why. Cache the result to print it once for many
/// cases.
inline bool skip_unless(bool available, std::string_view reason)
{
    if (!available) {
        std::fprintf(stderr, "skipping: %.*s\n", int(reason.size()), reason.data());
    }
    return !available;
}

} // namespace partvm_test
