// RunSuite: `centaur test` — each case of an assertion suite called once per
// sample through CallOnce (so through the cache, and traced as a run of kind
// "call"), its assertions checked, the outcomes gathered in a SuiteReport.
// Up to `concurrency` calls are in flight; cases are reported in suite order.
// The judge, when the suite has a judge task, is that task called like any
// other.
#pragma once

#include <functional>
#include <string>

#include "core/clock.h"
#include "engine/item_call.h"
#include "engine/workspace.h"
#include "eval/suite.h"
#include "eval/suite_report.h"

namespace centaur {

struct SuiteRunOptions {
  static constexpr int kMaxRepeat = 1000;
  static constexpr int kDefaultConcurrency = 4;
  int repeat = 1;                         // samples per case (sample indexes 0..repeat-1)
  int concurrency = kDefaultConcurrency;  // calls in flight
  CallPolicy policy;                      // cache use; the sample index is set per sample
  std::string model;  // "provider:model" override; empty: the suite's, else the task's
};

// Called after each case, in suite order (for progress output).
using CaseDone = std::function<void(const CaseReport&)>;

// The model a suite runs on: the override, else the suite's `model:`, else
// the task's.
Result<ModelRef> SuiteModel(const Suite& suite, const std::string& override_model);

// What RunSuite runs on. `judge` may be null (judge assertions then fail).
struct SuiteEnv {
  Store* store = nullptr;
  Provider* provider = nullptr;
  ModelRef model;
  const PriceTable* prices = nullptr;
  Clock* clock = nullptr;
  Judge* judge = nullptr;
};

// Errors are the store's or bad options; failed calls and assertions are
// outcomes in the report.
Result<SuiteReport> RunSuite(const SuiteEnv& env, const Suite& suite,
                             const SuiteRunOptions& options, const CaseDone& on_case);

// Same, in a workspace: opens the providers of the model and of the judge
// task, and builds the judge.
Result<SuiteReport> RunSuite(Workspace* workspace, const Suite& suite,
                             const SuiteRunOptions& options, const CaseDone& on_case);

// The judge of `judge` assertions: calls `task` (CheckJudgeTask's shape)
// with {rubric, output[, vars]} through CallOnce and reads pass, reason and
// score from its output.
class TaskJudge : public Judge {
 public:
  // Borrows everything; all must outlive the judge.
  TaskJudge(Store* store, Provider* provider, ModelRef model, const PriceTable* prices,
            Clock* clock, const Task* task, CallPolicy policy);
  Result<JudgeVerdict> Grade(const std::string& rubric, const std::string& output,
                             const Json& vars) override;

 private:
  Store* store_;
  Provider* provider_;
  ModelRef model_;
  const PriceTable* prices_;
  Clock* clock_;
  const Task* task_;
  CallPolicy policy_;
};

}  // namespace centaur
