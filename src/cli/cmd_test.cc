// centaur test SUITE: runs an assertion suite (engine/suite_runner.h) and
// reports per case, as JUnit XML and as JSON; the exit code gates CI.
#include <fmt/format.h>

#include <cstdio>

#include "cli/common.h"
#include "core/records.h"
#include "engine/suite_runner.h"

namespace centaur::cli {
namespace {

struct TestFlags {
  std::string suite_path;
  std::string model;
  int repeat = 1;
  int concurrency = SuiteRunOptions::kDefaultConcurrency;
  std::string junit;
  bool no_cache = false;
  bool refresh = false;
  bool json = false;
};

const char* StatusWord(CaseStatus status) {
  switch (status) {
    case CaseStatus::kPass:
      return "PASS ";
    case CaseStatus::kFail:
      return "FAIL ";
    case CaseStatus::kError:
      return "ERROR";
  }
  return "ERROR";
}

void PrintCase(const CaseReport& c, int repeat) {
  std::string counts = repeat > 1 ? fmt::format(" ({}/{})", c.passes(), c.samples.size()) : "";
  std::printf("%s %s%s\n", StatusWord(c.status()), c.name.c_str(), counts.c_str());
  if (c.status() == CaseStatus::kPass) return;
  for (const std::string& problem : c.Problems()) std::printf("      %s\n", problem.c_str());
  for (const SampleOutcome& s : c.samples) {
    if (!s.error && !s.pass()) {
      std::printf("      trace: centaur show %lld --item input\n",
                  static_cast<long long>(s.run_id));
      break;
    }
  }
  std::fflush(stdout);
}

std::string Percent(double x) { return fmt::format("{:.1f}%", 100 * x); }

void PrintSummary(const SuiteReport& report, const SuiteSummary& s) {
  std::printf("\npassed %d of %d (%s), failed %d, errors %d; threshold %s: %s\n", s.passed, s.cases,
              Percent(s.pass_rate).c_str(), s.failed, s.errors, Percent(report.threshold).c_str(),
              s.meets_threshold ? "met" : "NOT MET");
  if (report.repeat > 1) {
    std::printf("pass^%d %s, pass@%d %s, samples passed %s\n", report.repeat,
                Percent(s.pass_rate).c_str(), report.repeat, Percent(s.pass_at_k).c_str(),
                Percent(s.sample_rate).c_str());
  }
  std::printf("calls %lld, cache hits %lld, cost %s, %.1f s\n", static_cast<long long>(s.calls),
              static_cast<long long>(s.cache_hits), FormatCost(s.cost).c_str(), report.elapsed_s);
}

int Test(const GlobalOptions& globals, const TestFlags& flags) {
  auto suite = LoadSuite(flags.suite_path);
  if (!suite.ok()) return ReportError(suite.error());
  auto model = SuiteModel(*suite, flags.model);
  if (!model.ok()) return ReportError(model.error());
  auto ws = OpenWorkspace(globals);
  if (!ws.ok()) return ReportError(ws.error());
  SuiteRunOptions options;
  options.repeat = flags.repeat;
  options.concurrency = flags.concurrency;
  options.model = flags.model;
  options.policy.use_cache = !flags.no_cache;
  options.policy.refresh = flags.refresh;
  if (!flags.json) {
    std::printf("suite %s: %zu cases%s, task %s (%s), model %s\n\n", suite->name.c_str(),
                suite->cases.size(),
                flags.repeat > 1 ? fmt::format(" x {} samples", flags.repeat).c_str() : "",
                suite->task.name.c_str(), suite->task.version.c_str(), model->ToString().c_str());
    std::fflush(stdout);
  }
  CaseDone on_case;
  if (!flags.json) on_case = [&flags](const CaseReport& c) { PrintCase(c, flags.repeat); };
  auto report = RunSuite(ws->get(), *suite, options, on_case);
  if (!report.ok()) return ReportError(report.error());
  SuiteSummary summary = Summarize(*report);
  if (flags.json) {
    std::printf("%s\n", SuiteReportJson(*report).dump().c_str());
  } else {
    PrintSummary(*report, summary);
  }
  if (!flags.junit.empty()) {
    Status written = WriteFileAtomic(flags.junit, JUnitXml(*report));
    if (!written.ok()) return ReportError(written.error());
    if (!flags.json) std::printf("junit: %s\n", flags.junit.c_str());
  }
  return summary.meets_threshold ? kExitOk : kExitFailure;
}

}  // namespace

Command TestCommand() {
  return {"test", "run an assertion suite; exit 1 when the pass rate is under its threshold",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            auto f = std::make_shared<TestFlags>();
            sub->add_option("suite", f->suite_path, "suite file (YAML)")->required();
            sub->add_option("--model", f->model, "override the model (provider:model)");
            sub->add_option("--repeat", f->repeat, "samples per case; reports pass^k and pass@k")
                ->check(CLI::Range(1, SuiteRunOptions::kMaxRepeat));
            sub->add_option("--concurrency", f->concurrency, "calls in flight (default 4)")
                ->check(CLI::Range(1, 256));
            sub->add_option("--junit", f->junit, "write JUnit XML to FILE");
            sub->add_flag("--no-cache", f->no_cache, "neither read nor write the cache");
            sub->add_flag("--refresh", f->refresh, "call again and overwrite cached answers");
            sub->add_flag("--json", f->json, "print the report as one JSON object");
            return [f, globals] { return Test(*globals, *f); };
          }};
}

}  // namespace centaur::cli
