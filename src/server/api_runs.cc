// Runs, their results (paged, filtered, searched) and one item's trace.
#include <fmt/format.h>

#include <algorithm>

#include "engine/run_target.h"
#include "server/api.h"
#include "server/requests.h"
#include "server/views.h"

namespace centaur::server {
namespace {

// The run's target; empty (whole output, no classes) when its task version
// is not in the store.
RunTarget TargetOf(Store* store, const RunInfo& run) {
  auto target = LoadRunTarget(store, run.spec);
  return target.ok() ? *target : RunTarget{};
}

}  // namespace

Result<ApiReply> HandleListRuns(ApiContext& ctx) {
  const Query& q = ctx.request->query;
  auto task = q.find("task");
  auto all = q.find("all");
  bool include_calls = all != q.end() && (all->second == "1" || all->second == "true");
  CENTAUR_ASSIGN_OR_RETURN(std::vector<RunInfo> runs, ctx.store->ListRuns(include_calls));
  Json out = Json::array();
  for (const RunInfo& r : runs) {
    if (task != q.end() && !task->second.empty() && r.spec.task_name != task->second) continue;
    out.push_back(RunView(r, nullptr));
  }
  return ApiReply{std::move(out)};
}

Result<ApiReply> HandleGetRun(ApiContext& ctx) {
  CENTAUR_ASSIGN_OR_RETURN(RunInfo run, RunParam(ctx, 0));
  RunTarget target = TargetOf(ctx.store, run);
  return ApiReply{RunView(run, &target)};
}

Result<ApiReply> HandleListResults(ApiContext& ctx) {
  CENTAUR_ASSIGN_OR_RETURN(RunInfo run, RunParam(ctx, 0));
  CENTAUR_ASSIGN_OR_RETURN(ResultsRequest req, ParseResultsRequest(ctx.request->query));
  RunTarget target = TargetOf(ctx.store, run);
  CENTAUR_ASSIGN_OR_RETURN(ItemIds ids, ctx.index->Find(ctx.store, run, req.filter));
  const int64_t total = static_cast<int64_t>(ids->size());
  const int64_t end = std::min(total, req.offset + req.limit);
  Json items = Json::array();
  for (int64_t i = req.offset; i < end; ++i) {
    auto result = ctx.store->GetResult(run.id, (*ids)[static_cast<size_t>(i)]);
    if (!result.ok() && result.error().code == ErrorCode::kNotFound) continue;
    if (!result.ok()) return result.error();
    items.push_back(ResultRowView(*result, target));
  }
  return ApiReply{Json{{"run_id", run.id},
                       {"total", total},
                       {"offset", req.offset},
                       {"limit", req.limit},
                       {"items", std::move(items)}}};
}

Result<ApiReply> HandleTrace(ApiContext& ctx) {
  CENTAUR_ASSIGN_OR_RETURN(RunInfo run, RunParam(ctx, 0));
  const std::string& item = ctx.params.at(1);
  auto result = ctx.store->GetResult(run.id, item);
  if (!result.ok() && result.error().code == ErrorCode::kNotFound) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("item \"{}\" has no result in run {}", item, run.id));
  }
  if (!result.ok()) return result.error();
  std::vector<Annotation> annotations;
  if (run.spec.dataset_id) {
    CENTAUR_ASSIGN_OR_RETURN(annotations, ctx.store->ListAnnotations(*run.spec.dataset_id, item));
  }
  RunTarget target = TargetOf(ctx.store, run);
  Json view = TraceView(*result, target, annotations);
  view["run"] = RunView(run, &target);
  return ApiReply{std::move(view)};
}

}  // namespace centaur::server
