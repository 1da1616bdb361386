// Metrics of a run, comparison of two runs, a task's metrics across versions.
#include <fmt/format.h>

#include "engine/compare.h"
#include "engine/history.h"
#include "engine/measure.h"
#include "server/api.h"
#include "server/requests.h"
#include "server/views.h"

namespace centaur::server {
namespace {

std::string QueryValue(const ApiContext& ctx, const char* key) {
  auto it = ctx.request->query.find(key);
  return it == ctx.request->query.end() ? "" : it->second;
}

// Engine errors name runs as the store does; unknown runs are 404 "no run N".
Error WithoutPath(Error e) {
  if (size_t p = e.message.find(": no run "); p != std::string::npos) {
    e.message = e.message.substr(p + 2);
  }
  return e;
}

}  // namespace

Result<ApiReply> HandleMetrics(ApiContext& ctx) {
  CENTAUR_ASSIGN_OR_RETURN(RunInfo run, RunParam(ctx, 0));
  MeasureOptions options;
  options.split = QueryValue(ctx, "split");
  auto metrics = MeasureRun(ctx.store, run.id, options);
  if (!metrics.ok()) return WithoutPath(metrics.error());
  CENTAUR_ASSIGN_OR_RETURN(std::optional<SplitGap> gap, FindSplitGap(ctx.store, *metrics));
  return ApiReply{MetricsView(*metrics, gap)};
}

Result<ApiReply> HandleCompare(ApiContext& ctx) {
  std::string a = QueryValue(ctx, "a"), b = QueryValue(ctx, "b");
  CENTAUR_ASSIGN_OR_RETURN(int64_t run_a, ParseId(a, "a (run id)"));
  CENTAUR_ASSIGN_OR_RETURN(int64_t run_b, ParseId(b, "b (run id)"));
  auto comparison = CompareRuns(ctx.store, run_a, run_b);
  if (!comparison.ok()) return WithoutPath(comparison.error());
  return ApiReply{CompareView(*comparison)};
}

Result<ApiReply> HandleHistory(ApiContext& ctx) {
  std::string task = QueryValue(ctx, "task");
  if (task.empty()) return MakeError(ErrorCode::kInvalidArgument, "task is required (?task=NAME)");
  auto history = LoadTaskHistory(ctx.store, task);
  if (!history.ok()) return WithoutPath(history.error());
  return ApiReply{HistoryView(*history)};
}

}  // namespace centaur::server
