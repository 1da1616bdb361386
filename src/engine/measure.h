// Measure: a run's outputs scored against the gold labels, streamed from the
// store. Gold always comes from ResultRecord::gold (the item's effective
// label), never from the correctness recorded at run time.
//
// Enum targets are scored as classification (eval/metrics.h with the enum as
// the classes); other targets by exact match, normalized match and per-field
// accuracy (eval/match.h). Items without a gold label are counted, never
// scored; failed items are scored as wrong.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/run_target.h"
#include "eval/match.h"
#include "eval/metrics.h"
#include "store/store.h"

namespace centaur {

struct MeasureOptions {
  // "" (the run's own split), "val" or "test". A split other than the run's
  // needs a run over "all"; it keeps that split's items only.
  std::string split;
  MetricsOptions metrics;  // labels are taken from the task, not from here
};

struct RunMetrics {
  RunInfo run;
  RunTarget target;
  std::string split;      // the split measured
  int64_t expected = 0;   // items of that split in the dataset (0 for calls)
  int64_t items = 0;      // results measured
  int64_t labeled = 0;    // ... with a gold label: the scored ones
  int64_t unlabeled = 0;  // ... without: counted, not scored
  int64_t failed = 0;     // scored items with no valid output (wrong)
  // Why the scored items are a subset of the split (unlabeled items, an
  // unfinished or limited run, a split filter), one sentence each.
  std::vector<std::string> notes;
  ClassificationMetrics classification;  // when target.classification()
  MatchMetrics match;                    // otherwise
};

// Measures run `run_id`. kNotFound for an unknown run or a task version
// missing from the store; kInvalidArgument for a split the run does not cover.
Result<RunMetrics> MeasureRun(Store* store, int64_t run_id, const MeasureOptions& options = {});

// An off-diagonal cell of the confusion matrix.
struct ConfusedPair {
  std::string gold, predicted;
  int64_t count = 0;
  double rate = 0;  // count / the gold class's support
};
// The `limit` largest off-diagonal cells, largest first (ties: matrix order).
std::vector<ConfusedPair> TopConfusions(const ClassificationMetrics& m, size_t limit);

// Accuracy and macro-F1 of a measured run (macro-F1 only for classification;
// for other targets accuracy is the exact-match rate).
struct HeadlineScores {
  int64_t run_id = 0;
  int64_t labeled = 0;
  std::optional<double> accuracy, macro_f1;
  std::optional<Interval> accuracy_ci, macro_f1_ci;
};
HeadlineScores Headline(const RunMetrics& m);

// The validation -> test gap: the latest finished runs of the same task
// version, model and dataset on "val" and on "test", one of them `m.run`.
struct SplitGap {
  HeadlineScores val, test;
  std::optional<double> accuracy;  // test minus val
  std::optional<double> macro_f1;
};
// nullopt when `m` is not a val or test run or no counterpart exists. The
// counterpart is measured without bootstrap (point scores only).
Result<std::optional<SplitGap>> FindSplitGap(Store* store, const RunMetrics& m);

// Opens another connection to the same store (one thread per connection).
using StoreOpener = std::function<Result<std::unique_ptr<Store>>()>;

struct MeasuredRun {
  RunMetrics metrics;
  std::optional<SplitGap> gap;
};
// MeasureRun and FindSplitGap together. With `open_reader`, the counterpart
// run is measured on a second connection in a thread of its own meanwhile.
Result<MeasuredRun> MeasureRunWithGap(Store* store, int64_t run_id,
                                      const MeasureOptions& options = {},
                                      const StoreOpener& open_reader = {});

}  // namespace centaur
