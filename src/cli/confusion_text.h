// The confusion matrix as a text heatmap for the terminal.
#pragma once

#include <string>

#include "eval/metrics.h"

namespace centaur::cli {

// Rows are gold classes, columns the predicted ones in the same order; each
// cell is shaded by its share of the row's items (support, failed included):
// "█" >= 75%, "▓" >= 50%, "▒" >= 25%, "░" > 0, "·" none. A legend follows.
std::string ConfusionHeatmap(const ClassificationMetrics& m);

}  // namespace centaur::cli
