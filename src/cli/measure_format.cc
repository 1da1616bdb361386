#include "cli/measure_format.h"

#include <fmt/format.h>

namespace centaur::cli {

std::string Score(std::optional<double> value) {
  return value.has_value() ? fmt::format("{:.4f}", *value) : "-";
}

std::string SignedScore(std::optional<double> value) {
  return value.has_value() ? fmt::format("{:+.4f}", *value) : "-";
}

std::string IntervalText(const std::optional<Interval>& ci) {
  return ci.has_value() ? fmt::format("[{:.4f}, {:.4f}]", ci->lower, ci->upper) : "";
}

std::string PValue(std::optional<double> p) {
  if (!p.has_value()) return "-";
  if (*p < 1e-4) return "<0.0001";
  return fmt::format("{:.4f}", *p);
}

Json OptJson(std::optional<double> value) { return value.has_value() ? Json(*value) : Json(); }

Json IntervalJson(const std::optional<Interval>& ci) {
  return ci.has_value() ? Json::array({ci->lower, ci->upper}) : Json();
}

std::string RunHeader(const RunInfo& run) {
  std::string out = fmt::format("run {}  {}@{}  {}", run.id, run.spec.task_name,
                                run.spec.task_version.substr(0, 8), run.spec.model);
  if (!run.dataset_name.empty()) out += "  dataset " + run.dataset_name;
  if (!run.spec.split.empty()) out += "  split " + run.spec.split;
  return out + "  " + run.status;
}

Json RunIdentityJson(const RunInfo& run) {
  return {{"run_id", run.id},
          {"task", run.spec.task_name},
          {"version", run.spec.task_version},
          {"model", run.spec.model},
          {"dataset", run.dataset_name.empty() ? Json() : Json(run.dataset_name)},
          {"split", run.spec.split},
          {"status", run.status}};
}

Json HeadlineJson(const HeadlineScores& h) {
  return {{"run_id", h.run_id},
          {"labeled", h.labeled},
          {"accuracy", OptJson(h.accuracy)},
          {"accuracy_ci", IntervalJson(h.accuracy_ci)},
          {"macro_f1", OptJson(h.macro_f1)},
          {"macro_f1_ci", IntervalJson(h.macro_f1_ci)}};
}

}  // namespace centaur::cli
