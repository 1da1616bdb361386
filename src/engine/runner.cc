#include "engine/runner.h"

#include <deque>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "core/schema.h"
#include "engine/item_call.h"

namespace centaur {

Result<Json> MapInputs(const Task& task, const Json& fields,
                       const std::map<std::string, std::string>& input_map) {
  Json input = Json::object();
  for (const TaskInput& var : task.inputs) {
    auto mapped = input_map.find(var.name);
    const std::string& column = mapped == input_map.end() ? var.name : mapped->second;
    if (!fields.is_object() || !fields.contains(column)) {
      std::string available;
      if (fields.is_object()) {
        for (auto it = fields.begin(); it != fields.end(); ++it) {
          available += (available.empty() ? "" : ", ") + it.key();
        }
      }
      return MakeError(ErrorCode::kInvalidArgument,
                       "the data has no field \"" + column + "\" for task input \"" + var.name +
                           "\" (fields: " + available + "); map one with --map " + var.name +
                           "=FIELD");
    }
    input[var.name] = fields[column];
  }
  return input;
}

std::string RunIdentity(const Task& task, const ModelRef& model, const DatasetInfo& dataset,
                        const RunOptions& options) {
  Json id = {{"task", task.name},
             {"version", task.version},
             {"model", model.ToString()},
             {"dataset", dataset.id},
             {"split", options.split},
             {"limit", options.limit.has_value() ? Json(*options.limit) : Json()},
             {"map", options.input_map}};
  return Hash128Hex(id.dump());
}

namespace {

int64_t SplitSize(const DatasetInfo& dataset, const std::string& split) {
  if (split == "val") return dataset.val_items;
  if (split == "test") return dataset.test_items;
  return dataset.items;
}

// The state of one invocation of Run: items flow from the store through
// ItemCalls back into the store.
class RunLoop {
 public:
  RunLoop(Store* store, Provider* provider, Clock* clock, const CallContext* ctx,
          const RunOptions& options, const DatasetInfo& dataset, int64_t run_id)
      : store_(store),
        provider_(provider),
        clock_(clock),
        ctx_(ctx),
        options_(options),
        dataset_(dataset),
        run_id_(run_id) {}

  Status Execute(std::unordered_set<std::string> finished, int64_t total, Progress* progress) {
    finished_ = std::move(finished);
    progress_ = progress;
    progress_->total = total;
    remaining_in_limit_ = total;
    CENTAUR_RETURN_IF_ERROR(store_->BeginReads());
    start_us_ = clock_->NowMicros();
    int64_t last_commit_us = start_us_;
    int64_t last_progress_us = start_us_;
    while (true) {
      while (static_cast<int>(active_.size()) < Concurrency()) {
        CENTAUR_ASSIGN_OR_RETURN(bool started, StartNext());
        if (!started) break;
        Reap();
      }
      if (active_.empty() && ready_.empty() && exhausted_) break;
      if (!active_.empty()) {
        provider_->Poll(Store::kGroupCommitMs / 2);
        Reap();
      }
      int64_t now = clock_->NowMicros();
      if (now - last_commit_us >= Store::kGroupCommitMs * 1000) {
        CENTAUR_RETURN_IF_ERROR(CommitFinished(/*more=*/true));
        last_commit_us = now;
      }
      if (options_.on_progress &&
          now - last_progress_us >= RunOptions::kProgressIntervalMs * 1000) {
        progress_->elapsed_s = (now - start_us_) / 1e6;
        options_.on_progress(*progress_);
        last_progress_us = now;
      }
    }
    CENTAUR_RETURN_IF_ERROR(CommitFinished(/*more=*/false));
    progress_->elapsed_s = (clock_->NowMicros() - start_us_) / 1e6;
    progress_->final = true;
    if (options_.on_progress) options_.on_progress(*progress_);
    return OkStatus();
  }

 private:
  // Starts the next item that has no result yet (or fails one whose input
  // does not fit the task). false: none left.
  Result<bool> StartNext() {
    if (ready_.empty()) {
      CENTAUR_ASSIGN_OR_RETURN(bool more, PrepareSome());
      if (!more) return false;
    }
    if (ready_.empty()) return true;  // only failed inputs this time
    auto [job_id, call] = std::move(ready_.front());
    ready_.pop_front();
    ItemCall* raw = call.get();
    active_.emplace(job_id, std::move(call));
    raw->Start();
    return true;
  }

  int Concurrency() const { return options_.concurrency < 1 ? 1 : options_.concurrency; }

  // Prepares the calls of up to Concurrency() next items in a row (see
  // ItemCall::Prepare). false: no item was left.
  Result<bool> PrepareSome() {
    bool any = false;
    for (int n = 0; n < Concurrency(); ++n) {
      CENTAUR_ASSIGN_OR_RETURN(std::optional<Item> item, NextItem());
      if (!item.has_value()) break;
      any = true;
      Result<Json> input = MapInputs(*ctx_->task, item->input, options_.input_map);
      uint64_t job_id = next_job_id_++;
      auto on_done = [this, job_id, item_id = item->id](ResultRecord result) {
        result.run_id = run_id_;
        result.item_id = item_id;
        done_.push_back(std::move(result));
        reap_.push_back(job_id);
      };
      if (!input.ok()) {
        // An item without a field the task needs fails on its own; the run goes on.
        ResultRecord result;
        result.status = "failed";
        result.error = input.error().message;
        result.input = item->input;
        result.gold = item->gold;
        result.created_ms = clock_->UnixMillis();
        on_done(std::move(result));
        continue;
      }
      auto call = std::make_unique<ItemCall>(ctx_, std::move(input).value(), item->gold, on_done);
      call->Prepare();
      ready_.emplace_back(job_id, std::move(call));
    }
    return any;
  }

  // The next item that has no result yet; nullopt when none is left.
  Result<std::optional<Item>> NextItem() {
    while (true) {
      if (remaining_in_limit_ <= 0) {
        exhausted_ = true;
        return std::optional<Item>();
      }
      if (page_.empty()) {
        if (exhausted_) return std::optional<Item>();
        CENTAUR_ASSIGN_OR_RETURN(page_,
                                 ListPage(store_->ListItems(dataset_.id, options_.split, after_seq_,
                                                            RunOptions::kItemPageSize)));
        if (page_.empty()) {
          exhausted_ = true;
          return std::optional<Item>();
        }
        after_seq_ = page_.back().seq;
      }
      Item item = std::move(page_.front());
      page_.pop_front();
      --remaining_in_limit_;
      if (finished_.count(item.id) > 0) continue;
      return std::optional<Item>(std::move(item));
    }
  }

  static Result<std::deque<Item>> ListPage(Result<std::vector<Item>> items) {
    if (!items.ok()) return items.error();
    return std::deque<Item>(std::make_move_iterator(items->begin()),
                            std::make_move_iterator(items->end()));
  }

  // Counts finished results, keeps them for the next commit and drops their
  // ItemCalls (outside their callbacks).
  void Reap() {
    for (ResultRecord& result : done_) {
      for (const AttemptRecord& a : result.attempts) {
        if (a.cache_hit) {
          ++progress_->cache_hits;
        } else {
          ++progress_->calls;
        }
        if (a.status == "error") ++progress_->api_errors;
        if (!a.cost.has_value()) progress_->cost_known = false;
      }
      progress_->input_tokens += result.input_tokens;
      progress_->output_tokens += result.output_tokens;
      if (result.cost.has_value()) progress_->cost += *result.cost;
      if (result.status == "ok") {
        ++progress_->succeeded;
      } else {
        ++progress_->failed;
      }
      ++progress_->done;
      unstored_.push_back(std::move(result));
    }
    done_.clear();
    for (uint64_t id : reap_) active_.erase(id);
    reap_.clear();
  }

  // Writes the results finished since the last commit and the cache entries
  // their calls made, then commits: the store's work comes in one burst per
  // group commit instead of one insert per item between decoding steps.
  // `more`: calls go on, and their cache lookups share the next transaction.
  Status CommitFinished(bool more) {
    for (const ResultRecord& result : unstored_) CENTAUR_RETURN_IF_ERROR(store_->AddResult(result));
    unstored_.clear();
    if (ctx_->pending_cache != nullptr) ctx_->pending_cache->WriteTo(store_);
    CENTAUR_RETURN_IF_ERROR(store_->Commit());
    return more ? store_->BeginReads() : OkStatus();
  }

  Store* store_;
  Provider* provider_;
  Clock* clock_;
  const CallContext* ctx_;
  const RunOptions& options_;
  const DatasetInfo& dataset_;
  int64_t run_id_;

  std::unordered_set<std::string> finished_;
  Progress* progress_ = nullptr;
  int64_t remaining_in_limit_ = 0;
  int64_t start_us_ = 0;
  int64_t after_seq_ = 0;
  bool exhausted_ = false;
  std::deque<Item> page_;
  uint64_t next_job_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<ItemCall>> active_;
  std::deque<std::pair<uint64_t, std::unique_ptr<ItemCall>>> ready_;  // prepared, not started
  std::vector<ResultRecord> done_;
  std::vector<ResultRecord> unstored_;  // counted, written at the next commit
  std::vector<uint64_t> reap_;
};

}  // namespace

Runner::Runner(Store* store, Provider* provider, const PriceTable* prices, Clock* clock)
    : store_(store), provider_(provider), prices_(prices), clock_(clock) {}

Result<RunSummary> Runner::Run(const Task& task, const ModelRef& model, const DatasetInfo& dataset,
                               const RunOptions& options) {
  if (options.split != "val" && options.split != "test" && options.split != "all") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown split \"" + options.split + "\" (use val, test or all)");
  }
  std::optional<Schema> schema;
  if (!task.output_schema.is_null()) {
    CENTAUR_ASSIGN_OR_RETURN(schema, Schema::Compile(task.output_schema));
  }
  // Check the input mapping on the first item before anything is recorded.
  CENTAUR_ASSIGN_OR_RETURN(std::vector<Item> first,
                           store_->ListItems(dataset.id, options.split, 0, 1));
  if (!first.empty()) {
    CENTAUR_RETURN_IF_ERROR(MapInputs(task, first.front().input, options.input_map));
  }
  CENTAUR_RETURN_IF_ERROR(store_->PutTaskVersion(
      {task.name, task.version, task.source_path, task.source_text, TaskSpecJson(task)}));

  RunSummary summary;
  std::string identity = RunIdentity(task, model, dataset, options);
  CENTAUR_ASSIGN_OR_RETURN(std::optional<RunInfo> unfinished, store_->FindUnfinishedRun(identity));
  RunInfo run;
  if (unfinished.has_value()) {
    run = *unfinished;
    summary.resumed = true;
  } else {
    RunSpec spec;
    spec.kind = "run";
    spec.task_name = task.name;
    spec.task_version = task.version;
    spec.model = model.ToString();
    Json params = RunParamsJson(task);
    if (!options.input_map.empty()) params["map"] = options.input_map;
    spec.params = params;
    spec.dataset_id = dataset.id;
    spec.split = options.split;
    spec.limit = options.limit;
    spec.identity = identity;
    CENTAUR_ASSIGN_OR_RETURN(run, store_->CreateRun(spec));
    CENTAUR_RETURN_IF_ERROR(store_->Commit());
  }
  CENTAUR_ASSIGN_OR_RETURN(std::unordered_set<std::string> finished,
                           store_->FinishedItemIds(run.id));

  int64_t total = SplitSize(dataset, options.split);
  if (options.limit.has_value() && *options.limit < total) total = *options.limit;
  summary.progress.skipped = static_cast<int64_t>(finished.size());
  summary.progress.done = summary.progress.skipped;

  CallPolicy policy;
  policy.use_cache = options.use_cache;
  policy.refresh = options.refresh;
  CallContext ctx = MakeCallContext(task, schema.has_value() ? &*schema : nullptr, provider_, model,
                                    store_, prices_, clock_, policy);
  PendingCacheWrites pending_cache;
  ctx.pending_cache = &pending_cache;

  RunLoop loop(store_, provider_, clock_, &ctx, options, dataset, run.id);
  Status executed = loop.Execute(std::move(finished), total, &summary.progress);
  if (!executed.ok()) {
    (void)store_->Commit();  // keeps what was written; ends the loop's read snapshot
    return executed.error();
  }
  CENTAUR_RETURN_IF_ERROR(store_->FinishRun(run.id));
  CENTAUR_ASSIGN_OR_RETURN(summary.run, store_->GetRun(run.id));
  return summary;
}

}  // namespace centaur
