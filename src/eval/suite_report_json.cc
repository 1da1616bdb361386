// SuiteReportJson: the report of `centaur test --json`.
#include "eval/suite_report.h"

namespace centaur {
namespace {

const char* StatusName(CaseStatus status) {
  switch (status) {
    case CaseStatus::kPass:
      return "pass";
    case CaseStatus::kFail:
      return "fail";
    case CaseStatus::kError:
      return "error";
  }
  return "error";
}

Json Optional(const std::optional<double>& x) { return x.has_value() ? Json(*x) : Json(); }

Json SampleJson(const CaseReport& c, const SampleOutcome& s) {
  Json assertions = Json::array();
  for (size_t i = 0; i < s.evaluation.outcomes.size(); ++i) {
    const AssertionOutcome& o = s.evaluation.outcomes[i];
    assertions.push_back({{"type", i < c.assertion_types.size() ? c.assertion_types[i] : ""},
                          {"pass", o.pass},
                          {"score", o.score},
                          {"reason", o.reason.empty() ? Json() : Json(o.reason)}});
  }
  return {{"sample", s.sample_index},
          {"pass", s.pass()},
          {"error", s.error ? Json(s.error_message) : Json()},
          {"score", s.error ? Json() : Json(s.evaluation.score)},
          {"output", s.output},
          {"run_id", s.run_id},
          {"cache_hit", s.cache_hit},
          {"calls", s.calls},
          {"latency_ms", s.latency_ms},
          {"cost", Optional(s.cost)},
          {"assertions", std::move(assertions)}};
}

}  // namespace

Json SuiteReportJson(const SuiteReport& report) {
  SuiteSummary s = Summarize(report);
  Json cases = Json::array();
  for (const CaseReport& c : report.cases) {
    Json results = Json::array();
    for (const SampleOutcome& o : c.samples) results.push_back(SampleJson(c, o));
    cases.push_back({{"name", c.name},
                     {"where", c.where},
                     {"status", StatusName(c.status())},
                     {"passes", c.passes()},
                     {"samples", c.samples.size()},
                     {"pass_all", c.pass_all()},
                     {"pass_any", c.pass_any()},
                     {"problems", c.Problems()},
                     {"elapsed_s", c.elapsed_s},
                     {"results", std::move(results)}});
  }
  return {{"suite", report.name},
          {"suite_path", report.suite_path},
          {"task", report.task},
          {"task_version", report.task_version},
          {"model", report.model},
          {"threshold", report.threshold},
          {"repeat", report.repeat},
          {"cases", std::move(cases)},
          {"passed", s.passed},
          {"failed", s.failed},
          {"errors", s.errors},
          {"pass_rate", s.pass_rate},
          {"pass_at_k", s.pass_at_k},
          {"sample_rate", s.sample_rate},
          {"calls", s.calls},
          {"cache_hits", s.cache_hits},
          {"cost", Optional(s.cost)},
          {"meets_threshold", s.meets_threshold},
          {"elapsed_s", report.elapsed_s}};
}

}  // namespace centaur
