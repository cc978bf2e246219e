// Edit distance between short words, for "did you mean" hints on misspelled field names.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace piherd {

// Levenshtein distance (insertions, deletions, substitutions each cost 1).
size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible typo (distance at
// most 2, or equal ignoring case); nullopt otherwise.
std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

}  // namespace piherd
