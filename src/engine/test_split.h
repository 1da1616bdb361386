// Test-set discipline for `centaur run --split test`: the test split is for
// the final check of a version already measured on validation data, and
// choosing between versions by their test scores tunes on the test set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace centaur {

struct TestSplitHistory {
  // Runs of this task version with this model on the dataset's val split.
  int64_t val_runs = 0;
  // Runs of other versions of the task on the dataset's test split, and how
  // many versions they are.
  int64_t earlier_test_runs = 0;
  int64_t earlier_test_versions = 0;
};

Result<TestSplitHistory> LoadTestSplitHistory(Store* store, const std::string& task_name,
                                              const std::string& version, const std::string& model,
                                              int64_t dataset_id);

// Checks a run of `task_path`'s version on the test split of `dataset`:
// refused (kInvalidArgument) when the version never ran on val with this
// model, unless `force`; otherwise the warnings to show (empty when none).
Result<std::vector<std::string>> CheckTestSplitRun(Store* store, const std::string& task_name,
                                                   const std::string& version,
                                                   const std::string& task_path,
                                                   const std::string& model,
                                                   const DatasetInfo& dataset, bool force);

}  // namespace centaur
