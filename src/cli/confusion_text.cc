#include "cli/confusion_text.h"

#include <fmt/format.h>

#include "cli/common.h"

namespace centaur::cli {
namespace {

constexpr size_t kWideCellsUpTo = 20;  // two characters per cell up to this many classes
constexpr size_t kLabelWidth = 24;

const char* Shade(int64_t count, int64_t row_total) {
  if (count <= 0 || row_total <= 0) return "·";
  const double rate = static_cast<double>(count) / static_cast<double>(row_total);
  if (rate >= 0.75) return "█";
  if (rate >= 0.5) return "▓";
  if (rate >= 0.25) return "▒";
  return "░";
}

}  // namespace

std::string ConfusionHeatmap(const ClassificationMetrics& m) {
  const size_t k = m.labels.size();
  if (k == 0) return "";
  const bool wide = k <= kWideCellsUpTo;
  const size_t index_width = std::to_string(k - 1).size();
  const std::string indent(index_width + 1 + kLabelWidth + 1, ' ');
  std::string out;
  // Column numbers, digit rows from the most significant (one row when wide).
  if (wide) {
    out += indent;
    for (size_t j = 0; j < k; ++j) out += fmt::format("{:>2}", j);
    out += '\n';
  } else {
    for (size_t div = index_width; div-- > 0;) {
      size_t p = 1;
      for (size_t d = 0; d < div; ++d) p *= 10;
      out += indent;
      for (size_t j = 0; j < k; ++j) out += j >= p || p == 1 ? char('0' + (j / p) % 10) : ' ';
      out += '\n';
    }
  }
  for (size_t i = 0; i < k; ++i) {
    out += fmt::format("{:>{}} ", i, index_width) + Cell(m.labels[i], kLabelWidth) + ' ';
    const int64_t row_total = m.per_class[i].support;
    for (size_t j = 0; j < k; ++j) {
      const char* shade = Shade(m.confusion[i][j], row_total);
      out += shade;
      if (wide) out += shade;
    }
    out += '\n';
  }
  out += indent + "shade: share of the row's items  █ >= 75%  ▓ >= 50%  ▒ >= 25%  ░ > 0  · none\n";
  return out;
}

}  // namespace centaur::cli
