// What a run of an assertion suite found: per case, per sample (`--repeat
// K` runs each case K times), the assertions' outcomes; the summary a CI
// gate reads (pass rate against the suite's threshold, pass^k and pass@k);
// and the same as JUnit XML.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "eval/assertion.h"

namespace centaur {

struct SampleOutcome {
  int sample_index = 0;
  bool error = false;         // the call produced no valid output
  std::string error_message;  // why, when error
  CaseEvaluation evaluation;  // the assertions, when !error
  Json output;                // the output (or text) asserted on
  int64_t run_id = 0;         // the call's trace: centaur show RUN --item input
  bool cache_hit = false;
  int64_t calls = 0;  // provider requests made (cache hits excluded)
  double latency_ms = 0;
  std::optional<double> cost;  // what the call cost now (0 for a cache hit)
  bool pass() const { return !error && evaluation.pass; }
};

enum class CaseStatus { kPass, kFail, kError };

struct CaseReport {
  std::string name;
  std::string where;                         // FILE:LINE:COL in the suite
  std::vector<std::string> assertion_types;  // as written, in order
  std::vector<SampleOutcome> samples;
  double elapsed_s = 0;  // time spent in its calls (JUnit's time)

  int passes() const;
  bool pass_all() const { return passes() == static_cast<int>(samples.size()); }  // pass^k
  bool pass_any() const { return passes() > 0; }                                  // pass@k
  // Pass when every sample passed; else error when a call failed; else fail.
  CaseStatus status() const;
  // One line per distinct problem (reasons and errors), in order; when the
  // case ran more than once each starts with the samples it hit ("sample 2:
  // ", "samples 1-3, 5: ").
  std::vector<std::string> Problems() const;
};

struct SuiteReport {
  std::string name;
  std::string suite_path;
  std::string task;
  std::string task_version;
  std::string model;
  double threshold = 1;
  int repeat = 1;
  std::vector<CaseReport> cases;
  double elapsed_s = 0;
};

struct SuiteSummary {
  int cases = 0, passed = 0, failed = 0, errors = 0;
  double pass_rate = 0;    // passed / cases (pass^k when repeated)
  double pass_at_k = 0;    // cases with at least one passing sample / cases
  double sample_rate = 0;  // passing samples / samples
  int64_t calls = 0, cache_hits = 0;
  std::optional<double> cost;  // nullopt when any call's cost is unknown
  bool meets_threshold = false;
};

SuiteSummary Summarize(const SuiteReport& report);

// JUnit XML: one <testsuite> (tests, failures, errors, skipped, time) with a
// <testcase classname=SUITE name=CASE time=...> per case; a failing case has
// <failure message="every problem, joined by '; '">every problem, one per
// line</failure>, a
// case whose call failed an <error> alike. Text is XML-escaped; invalid
// UTF-8 and characters XML cannot hold become U+FFFD.
std::string JUnitXml(const SuiteReport& report);

// The report as JSON: {suite, task, task_version, model, threshold, repeat,
// cases: [{name, status, passes, samples, pass_all, pass_any, problems,
// results: [{sample, pass, error, score, output, run_id, cache_hit,
// latency_ms, cost, assertions: [{type, pass, reason}]}]}], and the summary's
// fields (passed, failed, errors, pass_rate, pass_at_k, sample_rate, calls,
// cache_hits, cost, meets_threshold, elapsed_s)}.
Json SuiteReportJson(const SuiteReport& report);

}  // namespace centaur
