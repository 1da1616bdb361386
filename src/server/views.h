// The API's JSON shapes: store records and engine results turned into the
// objects documented in README.md (API section). Pure functions.
#pragma once

#include <optional>
#include <vector>

#include "core/json.h"
#include "engine/compare.h"
#include "engine/history.h"
#include "engine/measure.h"
#include "engine/run_target.h"
#include "store/store.h"

namespace centaur::server {

// A run as listed; with `target` (its task's target and classes) when known.
Json RunView(const RunInfo& run, const RunTarget* target);
// A result as a table row: no attempts, only their count.
Json ResultRowView(const ResultRecord& result, const RunTarget& target);
// A result with every attempt (messages as sent, raw response, error, ...)
// and the item's annotations.
Json TraceView(const ResultRecord& result, const RunTarget& target,
               const std::vector<Annotation>& annotations);
Json AnnotationView(const Annotation& annotation);
Json ProtocolView(const ProtocolVersion& version);
Json MetricsView(const RunMetrics& metrics, const std::optional<SplitGap>& gap);
Json CompareView(const RunComparison& comparison);
Json HistoryView(const TaskHistory& history);

}  // namespace centaur::server
