// SPDX-License-Identifier: Apache-2.0
// "Did you mean ...?" for misspelt config keys: the closest known name by edit distance.
#pragma once
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vmm {

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
/// adjacent characters each cost 1 ("memroy" is 1 away from "memory"). ASCII case is ignored.
size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to word, if it is close enough to be a plausible typo: at most
/// min(2, ceil(length / 3)) edits from the candidate. Ties go to the earlier candidate.
std::optional<std::string> closest_match(
    std::string_view word, std::span<const std::string> candidates);

} // namespace vmm
