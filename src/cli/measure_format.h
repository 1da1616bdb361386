// Formatting shared by `centaur metrics`, `compare` and `history`: scores,
// intervals, run headers, and their JSON forms.
#pragma once

#include <optional>
#include <string>

#include "core/json.h"
#include "engine/measure.h"
#include "eval/metrics.h"
#include "store/store.h"

namespace centaur::cli {

// "0.7727", or "-" when nullopt.
std::string Score(std::optional<double> value);
// "+0.0500" / "-0.0500", or "-" when nullopt.
std::string SignedScore(std::optional<double> value);
// "[0.6289, 0.8711]", or "" when nullopt.
std::string IntervalText(const std::optional<Interval>& ci);
// "0.0312", "<0.0001", or "-".
std::string PValue(std::optional<double> p);

// The value, or null.
Json OptJson(std::optional<double> value);
// [lower, upper], or null.
Json IntervalJson(const std::optional<Interval>& ci);

// "run 3  intent@3f2a9c1b  MODEL  dataset D  split S  STATUS"
std::string RunHeader(const RunInfo& run);
// {"run_id", "task", "version", "model", "dataset", "split", "status"}
Json RunIdentityJson(const RunInfo& run);
// {"run_id", "labeled", "accuracy", "accuracy_ci", "macro_f1", "macro_f1_ci"}
Json HeadlineJson(const HeadlineScores& h);

}  // namespace centaur::cli
