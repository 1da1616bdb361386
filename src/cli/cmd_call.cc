#include <fmt/format.h>

#include <cstdio>

#include "cli/common.h"
#include "engine/call.h"

namespace centaur::cli {
namespace {

struct CallFlags {
  std::string task_path;
  std::string input;
  std::string model;
  bool no_cache = false;
  bool refresh = false;
  bool json = false;
};

int Call(const GlobalOptions& globals, const CallFlags& flags) {
  auto task = LoadTask(flags.task_path);
  if (!task.ok()) return ReportError(task.error());
  Json input = Json::parse(flags.input, nullptr, false);
  if (input.is_discarded()) {
    return ReportError(
        MakeError(ErrorCode::kInvalidArgument,
                  "--input is not valid JSON (expected e.g. '{\"text\": \"...\"}')"));
  }
  auto model = ParseModelRef(flags.model.empty() ? task->model : flags.model);
  if (!model.ok()) return ReportError(model.error());
  auto opened = OpenOneCallProvider(globals, *model);
  if (!opened.ok()) return ReportError(opened.error());
  Workspace* ws = opened->ws.get();
  CallPolicy policy;
  policy.use_cache = !flags.no_cache;
  policy.refresh = flags.refresh;
  auto outcome = CallOnce(ws->store(), opened->handle.provider.get(), &ws->prices(), RealClock(),
                          *task, *model, input, policy);
  if (!outcome.ok()) return ReportError(outcome.error());
  const ResultRecord& r = outcome->result;
  if (flags.json) {
    Json out = {{"run_id", outcome->run_id},
                {"status", r.status},
                {"output", r.output},
                {"error", r.error.empty() ? Json() : Json(r.error)},
                {"attempts", r.attempts.size()},
                {"input_tokens", r.input_tokens},
                {"output_tokens", r.output_tokens},
                {"cost", r.cost.has_value() ? Json(*r.cost) : Json()},
                {"latency_ms", r.latency_ms},
                {"cache_hit", r.cache_hit}};
    std::printf("%s\n", out.dump().c_str());
    return r.status == "ok" ? kExitOk : kExitFailure;
  }
  if (r.status == "ok" && r.output.is_object() && r.output.contains("thoughts")) {
    const Json& t = r.output["thoughts"];
    std::printf("thoughts: %s\n", t.is_string() ? t.get<std::string>().c_str() : t.dump().c_str());
  }
  if (r.status == "ok") {
    std::printf("output:   %s\n", r.output.dump(2).c_str());
  } else {
    std::printf("failed after %zu attempts: %s\nlast raw output: %s\n", r.attempts.size(),
                r.error.c_str(), r.raw.c_str());
  }
  std::printf(
      "tokens:   %lld in, %lld out\ncost:     %s\nlatency:  %.0f ms\ncache:    %s\n"
      "attempts: %zu (trace: centaur show %lld --item input)\n",
      static_cast<long long>(r.input_tokens), static_cast<long long>(r.output_tokens),
      FormatCost(r.cost).c_str(), r.latency_ms, r.cache_hit ? "hit" : "miss", r.attempts.size(),
      static_cast<long long>(outcome->run_id));
  return r.status == "ok" ? kExitOk : kExitFailure;
}

}  // namespace

Command CallCommand() {
  return {"call", "call a task once and print thoughts, output, tokens, cost, latency",
          [](CLI::App* sub, GlobalOptions* globals) -> std::function<int()> {
            auto f = std::make_shared<CallFlags>();
            sub->add_option("task", f->task_path, "task file (YAML)")->required();
            sub->add_option("--input", f->input, "input variables as a JSON object")->required();
            sub->add_option("--model", f->model, "override the task's model (provider:model)");
            sub->add_flag("--no-cache", f->no_cache, "neither read nor write the cache");
            sub->add_flag("--refresh", f->refresh, "call again and overwrite the cached answer");
            sub->add_flag("--json", f->json, "print the outcome as one JSON object");
            return [f, globals] { return Call(*globals, *f); };
          }};
}

}  // namespace centaur::cli
