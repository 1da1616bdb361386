// Numeric helpers shared by the metrics: normal quantiles, percentile
// intervals. Internal to eval/.
#pragma once

#include <optional>
#include <vector>

#include "eval/metrics.h"

namespace centaur::eval_internal {

// True when `confidence` is a usable two-sided level (0 < c < 1, not NaN).
bool ValidConfidence(double confidence);

// Inverse of the standard normal CDF for 0 < p < 1 (Acklam's rational
// approximation plus one Halley step: ~1e-15 relative error).
double NormalQuantile(double p);

// Quantile q in [0, 1] of `sorted` (ascending, non-empty) by linear
// interpolation between order statistics (numpy's default "linear" method).
double SortedQuantile(const std::vector<double>& sorted, double q);

// Percentile interval of `values` (sorted in place); nullopt when empty or
// the confidence is invalid.
std::optional<Interval> PercentileInterval(std::vector<double>& values, double confidence);

}  // namespace centaur::eval_internal
