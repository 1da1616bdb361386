#include "engine/test_split.h"

#include <fmt/format.h>

#include <set>

namespace centaur {

Result<TestSplitHistory> LoadTestSplitHistory(Store* store, const std::string& task_name,
                                              const std::string& version, const std::string& model,
                                              int64_t dataset_id) {
  CENTAUR_ASSIGN_OR_RETURN(std::vector<RunInfo> runs, store->ListRuns(false));
  TestSplitHistory h;
  std::set<std::string> versions;
  for (const RunInfo& r : runs) {
    if (r.spec.task_name != task_name || r.spec.dataset_id != dataset_id) continue;
    if (r.spec.task_version == version) {
      if (r.spec.split == "val" && r.spec.model == model) ++h.val_runs;
    } else if (r.spec.split == "test") {
      ++h.earlier_test_runs;
      versions.insert(r.spec.task_version);
    }
  }
  h.earlier_test_versions = static_cast<int64_t>(versions.size());
  return h;
}

Result<std::vector<std::string>> CheckTestSplitRun(Store* store, const std::string& task_name,
                                                   const std::string& version,
                                                   const std::string& task_path,
                                                   const std::string& model,
                                                   const DatasetInfo& dataset, bool force) {
  CENTAUR_ASSIGN_OR_RETURN(TestSplitHistory h,
                           LoadTestSplitHistory(store, task_name, version, model, dataset.id));
  std::vector<std::string> warnings;
  if (h.val_runs == 0) {
    if (!force) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          fmt::format("version {} of task \"{}\" has never run on the val split of \"{}\" with "
                      "{}: measure it there first (centaur run {} --data {}), or pass --force to "
                      "run it on the test split anyway",
                      version.substr(0, 8), task_name, dataset.name, model, task_path,
                      dataset.name));
    }
    warnings.push_back(
        fmt::format("--force: running version {} on the test split without a validation run",
                    version.substr(0, 8)));
  }
  if (h.earlier_test_runs > 0) {
    warnings.push_back(fmt::format(
        "the test split of \"{}\" was already used by {} run{} of {} earlier version{} of task "
        "\"{}\": choosing versions by test scores tunes them on the test set (compare versions "
        "on val; keep test for the final check)",
        dataset.name, h.earlier_test_runs, h.earlier_test_runs == 1 ? "" : "s",
        h.earlier_test_versions, h.earlier_test_versions == 1 ? "" : "s", task_name));
  }
  return warnings;
}

}  // namespace centaur
