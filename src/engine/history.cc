#include "engine/history.h"

#include <filesystem>
#include <map>
#include <optional>

#include "engine/line_diff.h"
#include "prompt/task.h"

namespace centaur {
namespace {

std::string Label(const TaskVersionRecord& v) {
  std::string path = v.source_path.empty() ? v.name : v.source_path;
  return path + "@" + v.version.substr(0, 8);
}

}  // namespace

Result<std::string> ResolveTaskName(const std::string& name_or_path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(name_or_path, ec)) return name_or_path;
  CENTAUR_ASSIGN_OR_RETURN(Task task, LoadTask(name_or_path));
  return task.name;
}

Result<TaskHistory> LoadTaskHistory(Store* store, const std::string& task,
                                    const MetricsOptions& options) {
  TaskHistory h;
  h.task = task;
  CENTAUR_ASSIGN_OR_RETURN(std::vector<TaskVersionRecord> versions, store->ListTaskVersions(task));
  if (versions.empty()) {
    return MakeError(ErrorCode::kNotFound, "no stored version of task \"" + task +
                                               "\" (versions are stored when a task is run or "
                                               "called; see `centaur runs`)");
  }
  CENTAUR_ASSIGN_OR_RETURN(std::vector<RunInfo> runs, store->ListRuns(true));
  for (size_t i = 0; i < versions.size(); ++i) {
    VersionHistory& v = h.versions.emplace_back();
    v.number = static_cast<int>(i + 1);
    v.record = versions[i];
    if (i > 0) {
      v.diff = UnifiedDiff(versions[i - 1].source_text, versions[i].source_text,
                           Label(versions[i - 1]), Label(versions[i]));
    }
    // Runs are newest first: the first val (or all) run per model is its newest.
    std::vector<std::string> models;
    std::map<std::string, std::optional<RunInfo>> val_run, all_run;
    for (const RunInfo& r : runs) {
      if (r.spec.task_name != task || r.spec.task_version != v.record.version) continue;
      if (v.first_seen_ms == 0 || r.created_ms < v.first_seen_ms) v.first_seen_ms = r.created_ms;
      if (r.spec.kind != "run" || r.status != "done") continue;
      if (r.spec.split != "val" && r.spec.split != "all") continue;
      if (!val_run.count(r.spec.model) && !all_run.count(r.spec.model)) {
        models.push_back(r.spec.model);
      }
      auto& slot = r.spec.split == "val" ? val_run[r.spec.model] : all_run[r.spec.model];
      if (!slot.has_value()) slot = r;
    }
    // The model whose newest run is oldest first.
    for (auto it = models.rbegin(); it != models.rend(); ++it) {
      const std::optional<RunInfo>& chosen =
          val_run.count(*it) && val_run[*it].has_value() ? val_run[*it] : all_run[*it];
      MeasureOptions measure;
      measure.split = "val";
      measure.metrics = options;
      CENTAUR_ASSIGN_OR_RETURN(RunMetrics m, MeasureRun(store, chosen->id, measure));
      VersionScores& s = v.val.emplace_back();
      s.run = m.run;
      s.scores = Headline(m);
      s.unlabeled = m.unlabeled;
      s.notes = m.notes;
    }
  }
  return h;
}

}  // namespace centaur
