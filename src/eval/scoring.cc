#include "eval/scoring.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace centaur::eval_internal {

LabelIndex::LabelIndex(std::vector<std::string> labels) : labels_(std::move(labels)) {
  ids_.reserve(labels_.size());
  for (size_t i = 0; i < labels_.size(); ++i) {
    ids_.emplace(labels_[i], static_cast<int32_t>(i));
  }
}

std::vector<std::string> ResolveLabels(const std::vector<std::string>& explicit_labels,
                                       const std::vector<std::string_view>& observed) {
  std::vector<std::string> out;
  if (!explicit_labels.empty()) {
    std::unordered_set<std::string_view> seen;
    for (const std::string& label : explicit_labels) {
      if (seen.insert(label).second) out.push_back(label);
    }
    return out;
  }
  std::unordered_set<std::string_view> distinct(observed.begin(), observed.end());
  out.assign(distinct.begin(), distinct.end());
  std::sort(out.begin(), out.end());
  return out;
}

CellTable BuildCells(const std::vector<uint64_t>& keys, int32_t k) {
  const uint64_t width = static_cast<uint64_t>(k) + 1;
  std::vector<uint64_t> distinct = keys;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());

  CellTable table;
  table.cells.reserve(distinct.size());
  for (uint64_t key : distinct) {
    const uint64_t pair = key >> 1;
    table.cells.push_back(Cell{static_cast<int32_t>(pair / width),
                               static_cast<int32_t>(pair % width), (key & 1) != 0});
  }
  table.counts.assign(distinct.size(), 0);
  table.item_cell.reserve(keys.size());
  for (uint64_t key : keys) {
    const auto d = static_cast<uint32_t>(std::lower_bound(distinct.begin(), distinct.end(), key) -
                                         distinct.begin());
    table.item_cell.push_back(d);
    ++table.counts[d];
  }
  return table;
}

double SafeDiv(double num, double den) { return den > 0 ? num / den : 0.0; }

Scores ScoreCells(const std::vector<Cell>& cells, const int64_t* cell_counts, int32_t k,
                  MacroOver macro_over, ClassCounts& counts) {
  const auto width = static_cast<size_t>(k);
  counts.tp.assign(width, 0);
  counts.pred.assign(width, 0);
  counts.truth.assign(width, 0);
  Scores s;
  for (size_t d = 0; d < cells.size(); ++d) {
    const int64_t c = cell_counts[d];
    const Cell& cell = cells[d];
    s.n += c;
    if (cell.correct) s.correct += c;
    if (cell.gold < k) {
      counts.truth[static_cast<size_t>(cell.gold)] += c;
      if (cell.gold == cell.pred) counts.tp[static_cast<size_t>(cell.gold)] += c;
    }
    if (cell.pred < k) counts.pred[static_cast<size_t>(cell.pred)] += c;
  }
  s.accuracy = SafeDiv(static_cast<double>(s.correct), static_cast<double>(s.n));

  int64_t tp_sum = 0, pred_sum = 0, truth_sum = 0;
  double p_sum = 0, r_sum = 0, f_sum = 0, wp_sum = 0, wr_sum = 0, wf_sum = 0;
  int64_t classes = 0;
  for (size_t i = 0; i < width; ++i) {
    // An absent class adds only zeros to the sums below; it matters only
    // through the macro denominator.
    if (macro_over == MacroOver::kPresentLabels && counts.pred[i] == 0 && counts.truth[i] == 0) {
      continue;
    }
    ++classes;
    const auto tp = static_cast<double>(counts.tp[i]);
    const auto pred = static_cast<double>(counts.pred[i]);
    const auto truth = static_cast<double>(counts.truth[i]);
    const double p = SafeDiv(tp, pred);
    const double r = SafeDiv(tp, truth);
    // 2tp / (pred + truth) equals 2PR / (P + R) and is 0 when tp is 0, as in sklearn.
    const double f = SafeDiv(2 * tp, pred + truth);
    p_sum += p;
    r_sum += r;
    f_sum += f;
    wp_sum += truth * p;
    wr_sum += truth * r;
    wf_sum += truth * f;
    tp_sum += counts.tp[i];
    pred_sum += counts.pred[i];
    truth_sum += counts.truth[i];
  }
  s.macro_precision = SafeDiv(p_sum, static_cast<double>(classes));
  s.macro_recall = SafeDiv(r_sum, static_cast<double>(classes));
  s.macro_f1 = SafeDiv(f_sum, static_cast<double>(classes));
  const double tps = static_cast<double>(tp_sum);
  const double preds = static_cast<double>(pred_sum);
  const double truths = static_cast<double>(truth_sum);
  s.micro_precision = SafeDiv(tps, preds);
  s.micro_recall = SafeDiv(tps, truths);
  s.micro_f1 = SafeDiv(2 * tps, preds + truths);
  s.weighted_precision = SafeDiv(wp_sum, truths);
  s.weighted_recall = SafeDiv(wr_sum, truths);
  s.weighted_f1 = SafeDiv(wf_sum, truths);
  return s;
}

}  // namespace centaur::eval_internal
