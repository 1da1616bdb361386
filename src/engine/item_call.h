// ItemCall: one item's way through the model — cache lookup, provider call,
// parse and validate, re-ask with the error, and the record of every attempt.
// The re-ask loop lives here and only here; `centaur run` drives many of
// these at once and `centaur call` drives one.
//
// Not thread-safe; runs on the thread that polls the provider.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "core/schema.h"
#include "llm/pricing.h"
#include "llm/provider.h"
#include "prompt/task.h"
#include "store/store.h"

namespace centaur {

struct CallPolicy {
  // API errors that reach the engine (retries below exhausted, malformed
  // bodies) are retried this many times per item, never shown to the model.
  static constexpr int kDefaultMaxApiErrors = 2;
  bool use_cache = true;  // read the cache
  bool refresh = false;   // do not read, but still write the cache
  int max_api_errors = kDefaultMaxApiErrors;
  // Which sample of the same request this is (ChatRequest::sample_index):
  // repeated samples are cached apart (`centaur test --repeat`), and a
  // task's seed is offset by it.
  int sample_index = 0;
};

// Cache entries not yet in the store. A run loop writes them together with
// its finished results at each group commit: SQLite inserts back to back
// cost less than one at a time between decoding steps, which evict the
// store's pages from the CPU caches. Lookups see them first, so a request
// is never sent twice for want of a write.
class PendingCacheWrites {
 public:
  void Put(CacheEntry entry);
  const CacheEntry* Find(const std::string& key) const;
  // Writes every entry and forgets them. A failed write only costs a future
  // call, so it is not reported.
  void WriteTo(Store* store);

 private:
  std::unordered_map<std::string, CacheEntry> entries_;
};

// What an engine shares with every ItemCall of one run.
struct CallContext {
  const Task* task = nullptr;
  const Schema* schema = nullptr;  // null for free-text tasks
  Provider* provider = nullptr;
  std::string provider_name;  // part of the cache key
  std::string model;          // provider's model name
  Store* store = nullptr;     // cache reads/writes
  // Where cache writes wait for the caller's next commit; null: each entry
  // is written at once.
  PendingCacheWrites* pending_cache = nullptr;
  const PriceTable* prices = nullptr;
  Clock* clock = nullptr;
  CallPolicy policy;
};

// The text appended as a user turn after an output that failed to parse or
// validate.
std::string ReaskMessage(const std::string& error);

// Cache key of a request, given its canonical text (ChatRequestText), sent
// to `provider_name`.
std::string CacheKey(const std::string& provider_name, const std::string& request_text);

// Everything an ItemCall needs of one task run on one model. `schema` may be
// null (free-text output); all pointers must outlive the context.
CallContext MakeCallContext(const Task& task, const Schema* schema, Provider* provider,
                            const ModelRef& model, Store* store, const PriceTable* prices,
                            Clock* clock, const CallPolicy& policy);

// The sampling params and attempts of a task, as stored on its runs.
Json RunParamsJson(const Task& task);

// Compares an output's target with a gold label (strings compare as strings,
// anything else as JSON). nullopt when there is no gold or no target.
std::optional<bool> IsCorrect(const Task& task, const Json& output,
                              const std::optional<Json>& gold);

class ItemCall {
 public:
  using Done = std::function<void(ResultRecord)>;
  // `input` is the item's task input (variable -> value). `done` receives the
  // finished result (run_id and item_id are left for the caller to set).
  ItemCall(const CallContext* ctx, Json input, std::optional<Json> gold, Done done);

  // Builds the request and looks it up in the cache: the part of starting
  // that needs no provider, so a caller can do it for several items in a
  // row (the store's pages stay in the CPU caches). Optional before Start.
  void Prepare();
  // Starts the first attempt (preparing it first if Prepare was not called).
  // Cache hits finish synchronously, inside Start.
  void Start();

 private:
  void Attempt();
  // Sets the request's text, hash and cache key; returns its cache entry.
  std::optional<CacheEntry> Lookup();
  // Answers from `hit` or sends the request.
  void Send(std::optional<CacheEntry> hit);
  void OnResponse(Result<ChatResponse> response, int64_t started_us);
  void HandleOutput(const std::string& text, AttemptRecord attempt);
  void Finish(bool ok, Json output, const std::string& error);

  const CallContext* ctx_;
  Json input_;
  std::optional<Json> gold_;
  Done done_;
  ChatRequest request_;
  ResultRecord result_;
  int outputs_ = 0;  // model outputs seen (counts against task attempts)
  int api_errors_ = 0;
  std::string cache_key_;
  std::string request_json_;
  std::string request_hash_;
  bool prepared_ = false;
  std::optional<std::string> build_error_;  // Prepare: the request could not be built
  std::optional<CacheEntry> prepared_hit_;  // Prepare: the first attempt's cache entry
};

}  // namespace centaur
