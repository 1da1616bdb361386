// ComputeClassification: point metrics, confusion matrix, intervals.
#include <array>
#include <string_view>
#include <vector>

#include "eval/metrics.h"
#include "eval/scoring.h"
#include "eval/stats.h"

namespace centaur {

using eval_internal::Cell;
using eval_internal::CellTable;
using eval_internal::ClassCounts;
using eval_internal::LabelIndex;
using eval_internal::Scores;

ClassificationMetrics ComputeClassification(const std::vector<Prediction>& predictions,
                                            const MetricsOptions& options) {
  std::vector<std::string_view> observed;
  if (options.labels.empty()) {
    observed.reserve(2 * predictions.size());
    for (const Prediction& p : predictions) {
      observed.push_back(p.gold);
      if (!p.failed) observed.push_back(p.predicted);
    }
  }
  const LabelIndex index(eval_internal::ResolveLabels(options.labels, observed));
  const int32_t k = index.size();
  // Default labels are exactly the classes seen, so the macro average is
  // sklearn's labels=None: over the classes present in what is scored (a
  // bootstrap resample, or one run of a pair).
  const auto macro_over = options.labels.empty() ? eval_internal::MacroOver::kPresentLabels
                                                 : eval_internal::MacroOver::kAllLabels;
  const auto width = static_cast<size_t>(k);

  ClassificationMetrics m;
  m.n = static_cast<int64_t>(predictions.size());
  m.labels = index.labels();
  m.confusion.assign(width, std::vector<int64_t>(width, 0));

  std::vector<uint64_t> keys;
  keys.reserve(predictions.size());
  std::vector<int64_t> failed_by_gold(width, 0);
  for (const Prediction& p : predictions) {
    const int32_t gold = index.Find(p.gold);
    const int32_t pred = p.failed ? k : index.Find(p.predicted);
    const bool correct = !p.failed && p.gold == p.predicted;
    if (gold == k) ++m.gold_outside_labels;
    if (p.failed) {
      ++m.failed;
      if (gold < k) ++failed_by_gold[static_cast<size_t>(gold)];
    } else if (pred == k) {
      ++m.predicted_outside_labels;
    }
    keys.push_back(eval_internal::CellKey(gold, pred, correct, k));
  }
  const CellTable table = eval_internal::BuildCells(keys, k);
  keys = {};
  for (size_t d = 0; d < table.cells.size(); ++d) {
    const Cell& cell = table.cells[d];
    if (cell.gold < k && cell.pred < k) {
      m.confusion[static_cast<size_t>(cell.gold)][static_cast<size_t>(cell.pred)] +=
          table.counts[d];
    }
  }

  ClassCounts counts;
  m.per_class.resize(width);
  if (k == 0) return m;
  const Scores s =
      eval_internal::ScoreCells(table.cells, table.counts.data(), k, macro_over, counts);
  m.correct = s.correct;
  for (size_t i = 0; i < width; ++i) {
    ClassMetrics& c = m.per_class[i];
    c.label = m.labels[i];
    const auto tp = static_cast<double>(counts.tp[i]);
    c.precision = eval_internal::SafeDiv(tp, static_cast<double>(counts.pred[i]));
    c.recall = eval_internal::SafeDiv(tp, static_cast<double>(counts.truth[i]));
    c.f1 = eval_internal::SafeDiv(2 * tp, static_cast<double>(counts.pred[i] + counts.truth[i]));
    c.support = counts.truth[i];
    c.predicted = counts.pred[i];
    c.failed = failed_by_gold[i];
  }
  if (m.n == 0) return m;

  m.accuracy = s.accuracy;
  m.macro_precision = s.macro_precision;
  m.macro_recall = s.macro_recall;
  m.macro_f1 = s.macro_f1;
  m.micro_precision = s.micro_precision;
  m.micro_recall = s.micro_recall;
  m.micro_f1 = s.micro_f1;
  m.weighted_precision = s.weighted_precision;
  m.weighted_recall = s.weighted_recall;
  m.weighted_f1 = s.weighted_f1;
  m.accuracy_ci = WilsonInterval(s.correct, m.n, options.confidence);

  if (options.bootstrap_samples <= 0 || !eval_internal::ValidConfidence(options.confidence)) {
    return m;
  }
  // Ranks in cell order: the resample depends on the multiset of cells only.
  std::vector<uint32_t> ranks;
  ranks.reserve(predictions.size());
  for (size_t d = 0; d < table.counts.size(); ++d) {
    ranks.insert(ranks.end(), static_cast<size_t>(table.counts[d]), static_cast<uint32_t>(d));
  }
  const auto samples = static_cast<size_t>(options.bootstrap_samples);
  std::vector<double> macro, micro, weighted;
  macro.reserve(samples);
  micro.reserve(samples);
  weighted.reserve(samples);
  eval_internal::Bootstrap<1>({&ranks}, {table.cells.size()}, options.bootstrap_samples,
                              options.seed, [&](const std::array<std::vector<int64_t>, 1>& hist) {
                                const Scores b = eval_internal::ScoreCells(
                                    table.cells, hist[0].data(), k, macro_over, counts);
                                macro.push_back(b.macro_f1);
                                micro.push_back(b.micro_f1);
                                weighted.push_back(b.weighted_f1);
                              });
  m.macro_f1_ci = eval_internal::PercentileInterval(macro, options.confidence);
  m.micro_f1_ci = eval_internal::PercentileInterval(micro, options.confidence);
  m.weighted_f1_ci = eval_internal::PercentileInterval(weighted, options.confidence);
  return m;
}

}  // namespace centaur
