#include "engine/call.h"

#include "core/hash.h"

namespace centaur {

Result<CallOutcome> CallOnce(Store* store, Provider* provider, const PriceTable* prices,
                             Clock* clock, const Task& task, const ModelRef& model,
                             const Json& input, const CallPolicy& policy) {
  if (!input.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "--input must be a JSON object");
  }
  for (const TaskInput& var : task.inputs) {
    if (!input.contains(var.name)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--input has no \"" + var.name + "\" (the task declares it)");
    }
  }
  std::optional<Schema> schema;
  if (!task.output_schema.is_null()) {
    CENTAUR_ASSIGN_OR_RETURN(schema, Schema::Compile(task.output_schema));
  }
  CENTAUR_RETURN_IF_ERROR(store->PutTaskVersion(
      {task.name, task.version, task.source_path, task.source_text, TaskSpecJson(task)}));
  RunSpec spec;
  spec.kind = "call";
  spec.task_name = task.name;
  spec.task_version = task.version;
  spec.model = model.ToString();
  spec.params = RunParamsJson(task);
  spec.identity = Hash128Hex("call\n" + std::to_string(clock->UnixMillis()) + "\n" +
                             std::to_string(clock->NowMicros()) + "\n" + input.dump());
  CENTAUR_ASSIGN_OR_RETURN(RunInfo run, store->CreateRun(spec));

  CallContext ctx = MakeCallContext(task, schema.has_value() ? &*schema : nullptr, provider, model,
                                    store, prices, clock, policy);

  std::optional<ResultRecord> finished;
  ItemCall call(&ctx, input, std::nullopt,
                [&finished](ResultRecord result) { finished = std::move(result); });
  call.Start();
  while (!finished.has_value()) provider->Poll(Store::kGroupCommitMs);
  finished->run_id = run.id;
  finished->item_id = "input";
  CENTAUR_RETURN_IF_ERROR(store->AddResult(*finished));
  CENTAUR_RETURN_IF_ERROR(store->FinishRun(run.id));
  return CallOutcome{run.id, std::move(*finished)};
}

}  // namespace centaur
