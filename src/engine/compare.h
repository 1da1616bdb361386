// Compare: two runs scored on the items they share (paired by item id), with
// metric deltas (B minus A), McNemar's test for accuracy, paired bootstrap
// p-values for the F1s (eval/metrics.h ComparePaired) and the items that
// flipped, with both outputs and thoughts. The runs may differ in task
// version, model, even dataset: only item ids pair them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/measure.h"
#include "engine/run_target.h"
#include "eval/metrics.h"
#include "store/store.h"

namespace centaur {

struct FlipSide {
  std::string status;    // "ok" or "failed"
  std::string value;     // the target value as text ("" when failed)
  std::string thoughts;  // the output's thoughts, or ""
  std::string error;     // the error when failed
};

struct Flip {
  std::string item_id;
  std::string gold;   // as text
  std::string input;  // compact JSON
  FlipSide a, b;
};

struct RunComparison {
  RunInfo a, b;
  RunTarget target_a, target_b;
  // Both targets are enums: classes are A's, then B's new ones. Otherwise an
  // item is right when its value equals the gold one exactly (eval/match.h),
  // and only accuracy is compared (the F1s are nullopt).
  bool classification = false;
  int64_t common = 0;                       // items with a result in both runs
  int64_t unlabeled = 0;                    // ... without a gold label: not compared
  int64_t gold_differs = 0;                 // ... whose gold differs between the runs (A's is used)
  std::vector<std::string> only_a, only_b;  // item ids with a result in one run only
  std::vector<std::string> notes;           // what the comparison leaves out
  PairedComparison paired;                  // over the common labeled items
  std::vector<Flip> to_wrong, to_right;     // in paired's flip order
};

// kNotFound for an unknown run or a task version missing from the store.
// With `open_reader`, run B is read on a second connection in a thread of its
// own while run A is read (the store allows one thread per connection).
Result<RunComparison> CompareRuns(Store* store, int64_t run_a, int64_t run_b,
                                  const MetricsOptions& options = {},
                                  const StoreOpener& open_reader = {});

}  // namespace centaur
