// Unified diffs for plan output, made by the system's `diff -u` (diffutils) rather than by
// hand: both sides go to private temp files, labelled with the host path.
#pragma once

#include <string>

namespace piherd {

// "" when equal. On failure to run diff, a short note instead of a diff.
std::string unifiedDiff(const std::string& path, const std::string& before,
                        const std::string& after);

}  // namespace piherd
