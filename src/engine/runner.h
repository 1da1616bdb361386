// Runner: `centaur run` — a task over a dataset split, many items in flight
// on one event loop, results group-committed, resumable after a kill.
//
// A run's identity is (task version, model, dataset, split, limit, input
// mapping). Starting a run whose identity matches an unfinished run resumes
// it: only items without a result are called. Starting one whose previous
// run finished makes a new run (served from the cache where possible).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/clock.h"
#include "llm/pricing.h"
#include "llm/provider.h"
#include "prompt/task.h"
#include "store/store.h"

namespace centaur {

struct Progress {
  int64_t total = 0;       // items in this run
  int64_t done = 0;        // items with a result (resumed ones included)
  int64_t skipped = 0;     // items already done before this invocation
  int64_t succeeded = 0, failed = 0;
  int64_t calls = 0, cache_hits = 0, api_errors = 0;
  int64_t input_tokens = 0, output_tokens = 0;
  double cost = 0;
  bool cost_known = true;
  double elapsed_s = 0;
  bool final = false;
};

struct RunOptions {
  static constexpr int kDefaultConcurrency = 8;
  static constexpr int kItemPageSize = 512;
  static constexpr int kProgressIntervalMs = 250;

  std::string split = "val";              // "val", "test" or "all"
  std::optional<int64_t> limit;           // first N items of the split
  int concurrency = kDefaultConcurrency;  // items in flight
  bool use_cache = true;                  // false: --no-cache
  bool refresh = false;                   // --refresh: call again, update cache
  std::map<std::string, std::string> input_map;  // task variable -> column
  std::function<void(const Progress&)> on_progress;  // may be empty
};

struct RunSummary {
  RunInfo run;           // the stored run, aggregates included
  bool resumed = false;
  Progress progress;     // this invocation's counters
};

class Runner {
 public:
  // Borrows everything; all must outlive the Runner.
  Runner(Store* store, Provider* provider, const PriceTable* prices, Clock* clock);

  Result<RunSummary> Run(const Task& task, const ModelRef& model, const DatasetInfo& dataset,
                         const RunOptions& options);

 private:
  Store* store_;
  Provider* provider_;
  const PriceTable* prices_;
  Clock* clock_;
};

// The identity of a run: same identity, same run (see above).
std::string RunIdentity(const Task& task, const ModelRef& model, const DatasetInfo& dataset,
                        const RunOptions& options);

// Maps an item's fields to the task's inputs: each declared variable takes
// the field of the same name, or the column `input_map` names for it.
// kInvalidArgument names the missing field and the available ones.
Result<Json> MapInputs(const Task& task, const Json& fields,
                       const std::map<std::string, std::string>& input_map);

}  // namespace centaur
