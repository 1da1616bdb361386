// ComparePaired: two runs over the same items.
#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <vector>

#include "eval/metrics.h"
#include "eval/scoring.h"
#include "eval/stats.h"

namespace centaur {

using eval_internal::CellTable;
using eval_internal::ClassCounts;
using eval_internal::LabelIndex;
using eval_internal::Scores;

namespace {

RunScores ToRunScores(const Scores& s) {
  return RunScores{s.accuracy, s.macro_f1, s.micro_f1, s.weighted_f1};
}

// Resampled deltas of one metric, and the observed one.
struct DeltaSamples {
  double observed = 0;
  std::vector<double> samples;
};

Delta Summarize(DeltaSamples& d, double confidence, bool bootstrap_p) {
  Delta out;
  out.delta = d.observed;
  if (!d.samples.empty() && bootstrap_p) {
    // Centred: under "no difference" the resampled delta minus the observed
    // one stands in for the null distribution. The slack makes exact ties
    // (up to rounding) count, which keeps the test conservative.
    const double bar = std::fabs(d.observed) - 1e-12;
    int64_t extreme = 0;
    for (double s : d.samples) {
      if (std::fabs(s - d.observed) >= bar) ++extreme;
    }
    out.p_value = static_cast<double>(extreme + 1) / static_cast<double>(d.samples.size() + 1);
  }
  out.ci = eval_internal::PercentileInterval(d.samples, confidence);
  return out;
}

}  // namespace

PairedComparison ComparePaired(const std::vector<PairedItem>& items,
                               const MetricsOptions& options) {
  std::vector<std::string_view> observed;
  if (options.labels.empty()) {
    observed.reserve(3 * items.size());
    for (const PairedItem& it : items) {
      observed.push_back(it.gold);
      if (!it.failed_a) observed.push_back(it.pred_a);
      if (!it.failed_b) observed.push_back(it.pred_b);
    }
  }
  const LabelIndex index(eval_internal::ResolveLabels(options.labels, observed));
  const int32_t k = index.size();
  // Default labels are exactly the classes seen, so the macro average is
  // sklearn's labels=None: over the classes present in what is scored (a
  // bootstrap resample, or one run of a pair).
  const auto macro_over = options.labels.empty() ? eval_internal::MacroOver::kPresentLabels
                                                 : eval_internal::MacroOver::kAllLabels;

  PairedComparison out;
  out.n = static_cast<int64_t>(items.size());
  out.labels = index.labels();

  std::vector<uint64_t> keys_a, keys_b;
  keys_a.reserve(items.size());
  keys_b.reserve(items.size());
  for (const PairedItem& it : items) {
    const int32_t gold = index.Find(it.gold);
    const bool right_a = !it.failed_a && it.pred_a == it.gold;
    const bool right_b = !it.failed_b && it.pred_b == it.gold;
    keys_a.push_back(
        eval_internal::CellKey(gold, it.failed_a ? k : index.Find(it.pred_a), right_a, k));
    keys_b.push_back(
        eval_internal::CellKey(gold, it.failed_b ? k : index.Find(it.pred_b), right_b, k));
    if (right_a && !right_b) out.flipped_to_wrong.push_back(it.item_id);
    if (!right_a && right_b) out.flipped_to_right.push_back(it.item_id);
  }
  out.mcnemar = McNemarTest(static_cast<int64_t>(out.flipped_to_wrong.size()),
                            static_cast<int64_t>(out.flipped_to_right.size()));
  if (out.n == 0 || k == 0) return out;

  const CellTable table_a = eval_internal::BuildCells(keys_a, k);
  const CellTable table_b = eval_internal::BuildCells(keys_b, k);
  keys_a = {};
  keys_b = {};
  ClassCounts counts;
  const Scores sa =
      eval_internal::ScoreCells(table_a.cells, table_a.counts.data(), k, macro_over, counts);
  const Scores sb =
      eval_internal::ScoreCells(table_b.cells, table_b.counts.data(), k, macro_over, counts);
  out.a = ToRunScores(sa);
  out.b = ToRunScores(sb);

  std::array<DeltaSamples, 4> d;  // accuracy, macro, micro, weighted
  d[0].observed = sb.accuracy - sa.accuracy;
  d[1].observed = sb.macro_f1 - sa.macro_f1;
  d[2].observed = sb.micro_f1 - sa.micro_f1;
  d[3].observed = sb.weighted_f1 - sa.weighted_f1;

  if (options.bootstrap_samples > 0 && eval_internal::ValidConfidence(options.confidence)) {
    // Ranks ordered by (cell in A, cell in B) so the resample depends only on
    // the multiset of paired cells, not on input order.
    const uint64_t width_b = table_b.cells.size();
    std::vector<uint64_t> joint(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      joint[i] = table_a.item_cell[i] * width_b + table_b.item_cell[i];
    }
    std::sort(joint.begin(), joint.end());
    std::vector<uint32_t> ranks_a(joint.size()), ranks_b(joint.size());
    for (size_t r = 0; r < joint.size(); ++r) {
      ranks_a[r] = static_cast<uint32_t>(joint[r] / width_b);
      ranks_b[r] = static_cast<uint32_t>(joint[r] % width_b);
    }
    joint = {};
    for (DeltaSamples& ds : d) ds.samples.reserve(static_cast<size_t>(options.bootstrap_samples));
    eval_internal::Bootstrap<2>({&ranks_a, &ranks_b}, {table_a.cells.size(), table_b.cells.size()},
                                options.bootstrap_samples, options.seed,
                                [&](const std::array<std::vector<int64_t>, 2>& hist) {
                                  const Scores a = eval_internal::ScoreCells(
                                      table_a.cells, hist[0].data(), k, macro_over, counts);
                                  const Scores b = eval_internal::ScoreCells(
                                      table_b.cells, hist[1].data(), k, macro_over, counts);
                                  d[0].samples.push_back(b.accuracy - a.accuracy);
                                  d[1].samples.push_back(b.macro_f1 - a.macro_f1);
                                  d[2].samples.push_back(b.micro_f1 - a.micro_f1);
                                  d[3].samples.push_back(b.weighted_f1 - a.weighted_f1);
                                });
  }
  out.accuracy = Summarize(d[0], options.confidence, /*bootstrap_p=*/false);
  out.accuracy->p_value = out.mcnemar.p_value;
  out.macro_f1 = Summarize(d[1], options.confidence, true);
  out.micro_f1 = Summarize(d[2], options.confidence, true);
  out.weighted_f1 = Summarize(d[3], options.confidence, true);
  return out;
}

}  // namespace centaur
