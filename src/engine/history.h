// History: every stored version of a task, what changed in its file from the
// previous version, and its validation metrics over time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/measure.h"
#include "store/store.h"

namespace centaur {

// A version's validation scores with one model: its newest finished run on
// "val", else its newest finished run over "all" restricted to val items.
struct VersionScores {
  RunInfo run;
  HeadlineScores scores;
  int64_t unlabeled = 0;
  std::vector<std::string> notes;  // RunMetrics::notes
};

struct VersionHistory {
  int number = 0;  // 1-based, in the order versions were stored
  TaskVersionRecord record;
  int64_t first_seen_ms = 0;  // its earliest run or call (0 when it has none)
  std::string diff;           // unified diff from the previous version's file; "" for the first
  std::vector<VersionScores> val;  // one per model
};

struct TaskHistory {
  std::string task;
  std::vector<VersionHistory> versions;
};

// `name_or_path`: a task file (its `name:` is read) or a task name.
Result<std::string> ResolveTaskName(const std::string& name_or_path);

// kNotFound when the store has no version of `task`. `options` sets the
// intervals of the validation scores.
Result<TaskHistory> LoadTaskHistory(Store* store, const std::string& task,
                                    const MetricsOptions& options = {});

}  // namespace centaur
