// A unified diff of two texts by lines (longest common subsequence), as
// `diff -u` prints it, for `centaur history`.
#pragma once

#include <string>

namespace centaur {

inline constexpr int kDiffContextLines = 3;

// "--- OLD_LABEL\n+++ NEW_LABEL\n@@ -a,b +c,d @@\n..." with `context` lines
// around each change; "" when the texts have the same lines. A missing final
// newline is not a difference. Texts whose changed middle is too large for
// the quadratic LCS table (over kMaxDiffCells line pairs) are shown as one
// replacement.
std::string UnifiedDiff(const std::string& old_text, const std::string& new_text,
                        const std::string& old_label, const std::string& new_label,
                        int context = kDiffContextLines);

inline constexpr long long kMaxDiffCells = 4'000'000;

}  // namespace centaur
