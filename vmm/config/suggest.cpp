// SPDX-License-Identifier: Apache-2.0
// Edit distance for key suggestions. Inputs are short config keys, so the O(n*m) table is fine;
// very long inputs (fuzzers, pasted garbage) are cut off before the table is built.
#include "vmm/config/suggest.h"

#include <algorithm>
#include <vector>

namespace vmm {
namespace {

// Keys longer than this cannot be a typo of any key we know; comparing them would only cost time.
constexpr size_t max_compared_length = 64;

char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

} // namespace

size_t edit_distance(std::string_view a, std::string_view b)
{
    const size_t rows = a.size() + 1;
    const size_t cols = b.size() + 1;
    std::vector<size_t> d(rows * cols);
    auto at = [&](size_t i, size_t j) -> size_t& { return d[i * cols + j]; };
    for (size_t i = 0; i < rows; ++i) {
        at(i, 0) = i;
    }
    for (size_t j = 0; j < cols; ++j) {
        at(0, j) = j;
    }
    for (size_t i = 1; i < rows; ++i) {
        for (size_t j = 1; j < cols; ++j) {
            size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            at(i, j) = std::min({ at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost });
            bool swapped = i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2])
                && lower(a[i - 2]) == lower(b[j - 1]);
            if (swapped) {
                at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
            }
        }
    }
    return at(rows - 1, cols - 1);
}

std::optional<std::string> closest_match(
    std::string_view word, std::span<const std::string> candidates)
{
    if (word.size() > max_compared_length) {
        return std::nullopt;
    }
    std::optional<std::string> best;
    size_t best_distance = 0;
    for (const std::string& candidate : candidates) {
        size_t distance = edit_distance(word, candidate);
        size_t limit = std::min<size_t>(2, (candidate.size() + 2) / 3);
        if (distance > limit || (best && distance >= best_distance)) {
            continue;
        }
        best = candidate;
        best_distance = distance;
    }
    return best;
}

} // namespace vmm
