#include "engine/suite_runner.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "engine/call.h"

namespace centaur {
namespace {

constexpr double kMicrosPerSecond = 1e6;

std::string OneLine(std::string text) {
  for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at)) {
    text.replace(at, 1, "; ");
  }
  return text;
}

// What the assertions see of one call.
Observation Observe(const SuiteEnv& env, const Task& task, const ResultRecord& r,
                    const Json& vars) {
  Observation obs;
  obs.output = r.output;
  obs.structured = !task.output_schema.is_null();
  obs.vars = vars;
  bool cached = std::any_of(r.attempts.begin(), r.attempts.end(),
                            [](const AttemptRecord& a) { return a.cache_hit; });
  if (cached) {
    obs.latency_unknown = "the output came from the cache (run with --no-cache to measure it)";
  } else {
    obs.latency_ms = r.latency_ms;
  }
  // The price of the tokens used, cached or not: what the case costs.
  obs.cost =
      env.prices->Cost(env.model.provider, env.model.model, Usage{r.input_tokens, r.output_tokens});
  if (!obs.cost.has_value()) obs.cost_unknown = "no price for " + env.model.ToString();
  return obs;
}

}  // namespace

Result<ModelRef> SuiteModel(const Suite& suite, const std::string& override_model) {
  if (!override_model.empty()) return ParseModelRef(override_model);
  if (!suite.model.empty()) return ParseModelRef(suite.model);
  return ParseModelRef(suite.task.model);
}

SampleOutcome ToSample(int k, const CallOutcome& outcome) {
  const ResultRecord& r = outcome.result;
  SampleOutcome s;
  s.sample_index = k;
  s.run_id = outcome.run_id;
  s.cache_hit = r.cache_hit;
  s.latency_ms = r.latency_ms;
  s.cost = r.cost;
  s.output = r.output;
  for (const AttemptRecord& a : r.attempts) s.calls += a.cache_hit ? 0 : 1;
  if (r.status != "ok") {
    s.error = true;
    s.error_message = OneLine(r.error) + " (" + std::to_string(r.attempts.size()) +
                      " attempts; trace: centaur show " + std::to_string(outcome.run_id) +
                      " --item input)";
  }
  return s;
}

Result<SuiteReport> RunSuite(const SuiteEnv& env, const Suite& suite,
                             const SuiteRunOptions& options, const CaseDone& on_case) {
  if (options.repeat < 1 || options.repeat > SuiteRunOptions::kMaxRepeat) {
    return MakeError(ErrorCode::kInvalidArgument, "--repeat must be between 1 and " +
                                                      std::to_string(SuiteRunOptions::kMaxRepeat) +
                                                      ", got " + std::to_string(options.repeat));
  }
  SuiteReport report;
  report.name = suite.name;
  report.suite_path = suite.path;
  report.task = suite.task.name;
  report.task_version = suite.task.version;
  report.model = env.model.ToString();
  report.threshold = suite.threshold;
  report.repeat = options.repeat;
  const size_t repeat = static_cast<size_t>(options.repeat);
  std::vector<CallJob> jobs;
  for (const SuiteCase& c : suite.cases) {
    CaseReport cr;
    cr.name = c.name;
    cr.where = c.where;
    for (const Assertion& a : c.assertions) cr.assertion_types.push_back(a.type_name);
    cr.samples.resize(repeat);
    report.cases.push_back(std::move(cr));
    for (size_t k = 0; k < repeat; ++k) {
      CallJob job{c.vars, options.policy};
      job.policy.sample_index = static_cast<int>(k);
      jobs.push_back(std::move(job));
    }
  }
  std::vector<std::optional<CallOutcome>> held(jobs.size());
  std::vector<size_t> pending(suite.cases.size(), repeat);
  size_t next_case = 0;
  // Cases are checked and reported in suite order as their samples finish.
  // The judge calls another provider, so with a judge everything is checked
  // after the calls, never while this provider has requests in flight.
  auto complete = [&](size_t index) {
    const SuiteCase& c = suite.cases[index];
    CaseReport& cr = report.cases[index];
    for (size_t k = 0; k < repeat; ++k) {
      const CallOutcome& outcome = *held[index * repeat + k];
      cr.samples[k] = ToSample(static_cast<int>(k), outcome);
      if (!cr.samples[k].error) {
        cr.samples[k].evaluation = EvaluateCase(
            c.assertions, c.threshold, Observe(env, suite.task, outcome.result, c.vars), env.judge);
      }
      cr.elapsed_s += outcome.result.latency_ms / 1000;
      held[index * repeat + k].reset();
    }
    if (on_case) on_case(cr);
  };
  bool stream = env.judge == nullptr;
  int64_t start = env.clock->NowMicros();
  CENTAUR_ASSIGN_OR_RETURN(
      std::vector<CallOutcome> outcomes,
      CallMany(env.store, env.provider, env.prices, env.clock, suite.task, env.model, jobs,
               options.concurrency, [&](size_t i, const CallOutcome& outcome) {
                 if (stream) held[i] = outcome;
                 --pending[i / repeat];
                 while (stream && next_case < pending.size() && pending[next_case] == 0) {
                   complete(next_case++);
                 }
               }));
  for (size_t i = 0; i < outcomes.size() && !stream; ++i) held[i] = std::move(outcomes[i]);
  while (next_case < pending.size()) complete(next_case++);
  report.elapsed_s = (env.clock->NowMicros() - start) / kMicrosPerSecond;
  return report;
}

Result<SuiteReport> RunSuite(Workspace* workspace, const Suite& suite,
                             const SuiteRunOptions& options, const CaseDone& on_case) {
  CENTAUR_ASSIGN_OR_RETURN(ModelRef model, SuiteModel(suite, options.model));
  HttpOptions http;
  http.max_concurrency = std::max(1, options.concurrency);
  CENTAUR_ASSIGN_OR_RETURN(ProviderHandle provider, workspace->OpenProvider(model, http));
  SuiteEnv env;
  env.store = workspace->store();
  env.provider = provider.provider.get();
  env.model = model;
  env.prices = &workspace->prices();
  env.clock = RealClock();
  std::optional<ProviderHandle> judge_provider;
  std::unique_ptr<TaskJudge> judge;
  if (suite.judge_task.has_value()) {
    CENTAUR_ASSIGN_OR_RETURN(ModelRef judge_model, ParseModelRef(suite.judge_task->model));
    CENTAUR_ASSIGN_OR_RETURN(judge_provider, workspace->OpenProvider(judge_model, http));
    CallPolicy policy = options.policy;
    policy.sample_index = 0;
    judge = std::make_unique<TaskJudge>(env.store, judge_provider->provider.get(), judge_model,
                                        env.prices, env.clock, &*suite.judge_task, policy);
    env.judge = judge.get();
  }
  return RunSuite(env, suite, options, on_case);
}

TaskJudge::TaskJudge(Store* store, Provider* provider, ModelRef model, const PriceTable* prices,
                     Clock* clock, const Task* task, CallPolicy policy)
    : store_(store),
      provider_(provider),
      model_(std::move(model)),
      prices_(prices),
      clock_(clock),
      task_(task),
      policy_(policy) {}

Result<JudgeVerdict> TaskJudge::Grade(const std::string& rubric, const std::string& output,
                                      const Json& vars) {
  Json input = {{"rubric", rubric}, {"output", output}};
  for (const TaskInput& i : task_->inputs) {
    if (i.name == "vars") input["vars"] = vars.is_object() ? vars : Json::object();
  }
  CENTAUR_ASSIGN_OR_RETURN(CallOutcome outcome, CallOnce(store_, provider_, prices_, clock_, *task_,
                                                         model_, input, policy_));
  const ResultRecord& r = outcome.result;
  if (r.status != "ok") {
    return MakeError(ErrorCode::kInternal, "the judge task failed: " + r.error +
                                               " (trace: centaur show " +
                                               std::to_string(outcome.run_id) + " --item input)");
  }
  JudgeVerdict verdict;
  verdict.pass = r.output.value("pass", false);
  if (r.output.contains("reason") && r.output["reason"].is_string()) {
    verdict.reason = r.output["reason"].get<std::string>();
  }
  if (r.output.contains("score") && r.output["score"].is_number()) {
    verdict.score = std::clamp(r.output["score"].get<double>(), 0.0, 1.0);
  }
  return verdict;
}

}  // namespace centaur
