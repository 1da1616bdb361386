#include "engine/call.h"

#include <deque>
#include <memory>

#include "core/hash.h"

namespace centaur {
namespace {

Status CheckInput(const Task& task, const Json& input) {
  if (!input.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "--input must be a JSON object");
  }
  for (const TaskInput& var : task.inputs) {
    if (!input.contains(var.name)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--input has no \"" + var.name + "\" (the task declares it)");
    }
  }
  return OkStatus();
}

// Compiles the output schema (none for free text) and records the task version.
Result<std::optional<Schema>> Prepare(Store* store, const Task& task) {
  std::optional<Schema> schema;
  if (!task.output_schema.is_null()) {
    CENTAUR_ASSIGN_OR_RETURN(schema, Schema::Compile(task.output_schema));
  }
  CENTAUR_RETURN_IF_ERROR(store->PutTaskVersion(
      {task.name, task.version, task.source_path, task.source_text, TaskSpecJson(task)}));
  return schema;
}

Result<RunInfo> CreateCallRun(Store* store, Clock* clock, const Task& task, const ModelRef& model,
                              const Json& input, size_t index) {
  RunSpec spec;
  spec.kind = "call";
  spec.task_name = task.name;
  spec.task_version = task.version;
  spec.model = model.ToString();
  spec.params = RunParamsJson(task);
  spec.identity = Hash128Hex("call\n" + std::to_string(clock->UnixMillis()) + "\n" +
                             std::to_string(clock->NowMicros()) + "\n" + std::to_string(index) +
                             "\n" + input.dump());
  return store->CreateRun(spec);
}

}  // namespace

Result<CallOutcome> CallOnce(Store* store, Provider* provider, const PriceTable* prices,
                             Clock* clock, const Task& task, const ModelRef& model,
                             const Json& input, const CallPolicy& policy) {
  CENTAUR_ASSIGN_OR_RETURN(
      std::vector<CallOutcome> outcomes,
      CallMany(store, provider, prices, clock, task, model, {CallJob{input, policy}}, 1, nullptr));
  return std::move(outcomes.front());
}

Result<std::vector<CallOutcome>> CallMany(Store* store, Provider* provider,
                                          const PriceTable* prices, Clock* clock, const Task& task,
                                          const ModelRef& model, const std::vector<CallJob>& jobs,
                                          int concurrency, const CallDone& on_done) {
  for (const CallJob& job : jobs) CENTAUR_RETURN_IF_ERROR(CheckInput(task, job.input));
  CENTAUR_ASSIGN_OR_RETURN(std::optional<Schema> schema, Prepare(store, task));
  const Schema* schema_ptr = schema.has_value() ? &*schema : nullptr;
  std::vector<CallOutcome> outcomes(jobs.size());
  std::deque<CallContext> contexts;  // stable addresses, one per job
  std::vector<std::unique_ptr<ItemCall>> calls(jobs.size());
  std::deque<size_t> finished;  // reported from the loop, not from callbacks
  std::optional<Error> failure;
  size_t next = 0, done = 0;
  int in_flight = 0;
  auto finish = [&](size_t i, int64_t run_id, ResultRecord result) {
    result.run_id = run_id;
    result.item_id = "input";
    Status added = store->AddResult(result);
    if (added.ok()) added = store->FinishRun(run_id);
    if (!added.ok() && !failure.has_value()) failure = added.error();
    outcomes[i] = CallOutcome{run_id, std::move(result)};
    finished.push_back(i);
    --in_flight;
    ++done;
  };
  auto report = [&] {
    while (!finished.empty()) {
      size_t i = finished.front();
      finished.pop_front();
      calls[i].reset();
      if (on_done && !failure.has_value()) on_done(i, outcomes[i]);
    }
  };
  while (done < jobs.size()) {
    while (!failure.has_value() && next < jobs.size() && in_flight < std::max(1, concurrency)) {
      size_t i = next++;
      Result<RunInfo> run = CreateCallRun(store, clock, task, model, jobs[i].input, i);
      if (!run.ok()) {
        failure = run.error();
        break;
      }
      contexts.push_back(
          MakeCallContext(task, schema_ptr, provider, model, store, prices, clock, jobs[i].policy));
      ++in_flight;
      int64_t run_id = run->id;
      calls[i] = std::make_unique<ItemCall>(
          &contexts.back(), jobs[i].input, std::nullopt,
          [&finish, i, run_id](ResultRecord result) { finish(i, run_id, std::move(result)); });
      calls[i]->Start();  // a cache hit finishes here
    }
    report();
    if (in_flight == 0 && (failure.has_value() || done == jobs.size())) break;
    provider->Poll(Store::kGroupCommitMs);
    report();
  }
  if (failure.has_value()) return *failure;
  return outcomes;
}

}  // namespace centaur
