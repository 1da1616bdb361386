// `centaur history TASK`: every version of a task, its diff, its val scores.
#include <fmt/format.h>

#include <cstdio>

#include "cli/common.h"
#include "cli/measure_format.h"
#include "engine/history.h"

namespace centaur::cli {
namespace {

std::string Date(int64_t unix_ms) { return unix_ms == 0 ? "-" : LocalTime(unix_ms); }

std::string ScoreWithCi(std::optional<double> v, const std::optional<Interval>& ci) {
  std::string out = Score(v);
  if (ci.has_value()) out += " " + IntervalText(ci);
  return out;
}

Json HistoryJson(const TaskHistory& h) {
  Json versions = Json::array();
  for (const VersionHistory& v : h.versions) {
    Json val = Json::array();
    for (const VersionScores& s : v.val) {
      Json entry = HeadlineJson(s.scores);
      entry["model"] = s.run.spec.model;
      entry["dataset"] = s.run.dataset_name;
      entry["split"] = s.run.spec.split;
      entry["created_ms"] = s.run.created_ms;
      entry["unlabeled"] = s.unlabeled;
      entry["notes"] = s.notes;
      val.push_back(entry);
    }
    versions.push_back({{"number", v.number},
                        {"version", v.record.version},
                        {"source_path", v.record.source_path},
                        {"first_seen_ms", v.first_seen_ms ? Json(v.first_seen_ms) : Json()},
                        {"diff", v.diff},
                        {"val", val}});
  }
  return {{"task", h.task}, {"versions", versions}};
}

void PrintHistory(const TaskHistory& h) {
  for (const VersionHistory& v : h.versions) {
    std::printf("%sversion %d  %s  %s  %s\n", v.number > 1 ? "\n" : "", v.number,
                v.record.version.substr(0, 8).c_str(), Date(v.first_seen_ms).c_str(),
                v.record.source_path.c_str());
    if (v.number == 1) {
      std::printf("  (first version)\n");
    } else if (v.diff.empty()) {
      std::printf(
          "  (the file reads the same; what changed is outside it, e.g. its examples "
          "file)\n");
    } else {
      std::printf("%s", v.diff.c_str());
    }
    if (v.val.empty()) std::printf("  val: no finished run on the val split\n");
    for (const VersionScores& s : v.val) {
      std::printf("  val: run %lld  %s  accuracy %s  macro-F1 %s  (%lld labeled%s)\n",
                  static_cast<long long>(s.run.id), s.run.spec.model.c_str(),
                  ScoreWithCi(s.scores.accuracy, s.scores.accuracy_ci).c_str(),
                  ScoreWithCi(s.scores.macro_f1, s.scores.macro_f1_ci).c_str(),
                  static_cast<long long>(s.scores.labeled),
                  s.unlabeled > 0 ? fmt::format(", {} unlabeled", s.unlabeled).c_str() : "");
    }
  }
  std::printf("\nvalidation scores over time\n%-8s %-8s %-16s %-6s %-32s %-8s %-8s %s\n", "VERSION",
              "HASH", "DATE", "RUN", "MODEL", "ACC", "MACRO-F1", "LABELED");
  for (const VersionHistory& v : h.versions) {
    for (const VersionScores& s : v.val) {
      std::printf("%-8d %-8s %-16s %-6lld %s %-8s %-8s %lld\n", v.number,
                  v.record.version.substr(0, 8).c_str(), Date(s.run.created_ms).c_str(),
                  static_cast<long long>(s.run.id), Cell(s.run.spec.model, 32).c_str(),
                  Score(s.scores.accuracy).c_str(), Score(s.scores.macro_f1).c_str(),
                  static_cast<long long>(s.scores.labeled));
    }
  }
}

int History(const GlobalOptions& globals, const std::string& task, bool json) {
  auto name = ResolveTaskName(task);
  if (!name.ok()) return ReportError(name.error());
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  auto h = LoadTaskHistory((*ws)->store(), *name);
  if (!h.ok()) return ReportError(h.error());
  if (json) {
    std::printf("%s\n",
                HistoryJson(*h).dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  } else {
    PrintHistory(*h);
  }
  return kExitOk;
}

}  // namespace

Command HistoryCommand() {
  return {"history", "a task's versions: what changed and their validation scores",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            auto task = std::make_shared<std::string>();
            auto json = std::make_shared<bool>(false);
            sub->add_option("task", *task, "task name, or task file")->required();
            sub->add_flag("--json", *json, "print one JSON object");
            return [=] { return History(*globals, *task, *json); };
          }};
}

}  // namespace centaur::cli
