#include "engine/item_call.h"

#include <utility>

#include "core/hash.h"
#include "core/secrets.h"

namespace centaur {

std::string ReaskMessage(const std::string& error) {
  return "Your previous answer could not be used: " + error +
         "\nReply again with only the JSON object, matching the schema exactly.";
}

std::string CacheKey(const std::string& provider_name, const std::string& request_text) {
  return Hash128Hex(provider_name + "\n" + request_text);
}

void PendingCacheWrites::Put(CacheEntry entry) {
  std::string key = entry.key;
  entries_.insert_or_assign(std::move(key), std::move(entry));
}

const CacheEntry* PendingCacheWrites::Find(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

void PendingCacheWrites::WriteTo(Store* store) {
  for (const auto& [key, entry] : entries_) (void)store->CachePut(entry);
  entries_.clear();
}

CallContext MakeCallContext(const Task& task, const Schema* schema, Provider* provider,
                            const ModelRef& model, Store* store, const PriceTable* prices,
                            Clock* clock, const CallPolicy& policy) {
  CallContext ctx;
  ctx.task = &task;
  ctx.schema = schema;
  ctx.provider = provider;
  ctx.provider_name = model.provider;
  ctx.model = model.model;
  ctx.store = store;
  ctx.prices = prices;
  ctx.clock = clock;
  ctx.policy = policy;
  return ctx;
}

Json RunParamsJson(const Task& task) {
  Json params = {{"temperature", task.params.temperature},
                 {"max_tokens", task.params.max_tokens},
                 {"attempts", task.attempts}};
  if (task.params.seed.has_value()) params["seed"] = *task.params.seed;
  return params;
}

std::optional<bool> IsCorrect(const Task& task, const Json& output,
                              const std::optional<Json>& gold) {
  return OutputMatchesGold(output, task.target, gold);
}

ItemCall::ItemCall(const CallContext* ctx, Json input, std::optional<Json> gold, Done done)
    : ctx_(ctx), input_(std::move(input)), gold_(std::move(gold)), done_(std::move(done)) {}

void ItemCall::Prepare() {
  prepared_ = true;
  result_.input = input_;
  result_.gold = gold_;
  result_.created_ms = ctx_->clock->UnixMillis();
  Result<ChatRequest> request = BuildRequest(*ctx_->task, input_, ctx_->model);
  if (!request.ok()) {
    build_error_ = request.error().message;
    return;
  }
  request_ = std::move(request).value();
  request_.sample_index = ctx_->policy.sample_index;
  // Repeated samples of a seeded task draw with seeds of their own, or they
  // would all be the same sample; sample 0 keeps the task's seed.
  if (request_.params.seed.has_value()) *request_.params.seed += request_.sample_index;
  prepared_hit_ = Lookup();
}

void ItemCall::Start() {
  if (!prepared_) Prepare();
  if (build_error_.has_value()) {
    Finish(false, Json(), *build_error_);
    return;
  }
  Send(std::move(prepared_hit_));
}

void ItemCall::Attempt() { Send(Lookup()); }

std::optional<CacheEntry> ItemCall::Lookup() {
  request_json_ = ChatRequestText(request_);
  request_hash_ = Hash128Hex(request_json_);
  cache_key_ = CacheKey(ctx_->provider_name, request_json_);
  if (!ctx_->policy.use_cache || ctx_->policy.refresh) return std::nullopt;
  const CacheEntry* pending =
      ctx_->pending_cache != nullptr ? ctx_->pending_cache->Find(cache_key_) : nullptr;
  if (pending != nullptr) return *pending;
  Result<std::optional<CacheEntry>> hit = ctx_->store->CacheGet(cache_key_);
  return hit.ok() ? std::move(hit).value() : std::nullopt;
}

void ItemCall::Send(std::optional<CacheEntry> hit) {
  if (hit.has_value()) {
    AttemptRecord attempt;
    attempt.attempt_no = static_cast<int>(result_.attempts.size()) + 1;
    attempt.request_hash = request_hash_;
    // No body: a cache entry is only ever written together with an attempt
    // holding this very request, so the requests table has it already.
    attempt.response_text = hit->response_text;
    attempt.input_tokens = hit->input_tokens;
    attempt.output_tokens = hit->output_tokens;
    attempt.cost = 0.0;  // a cache hit costs nothing now
    attempt.cache_hit = true;
    attempt.created_ms = ctx_->clock->UnixMillis();
    HandleOutput(hit->response_text, std::move(attempt));
    return;
  }
  int64_t started = ctx_->clock->NowMicros();
  ctx_->provider->Submit(request_, [this, started](Result<ChatResponse> response) {
    OnResponse(std::move(response), started);
  });
}

void ItemCall::OnResponse(Result<ChatResponse> response, int64_t started_us) {
  AttemptRecord attempt;
  attempt.attempt_no = static_cast<int>(result_.attempts.size()) + 1;
  attempt.request_hash = request_hash_;
  attempt.request_json = request_json_;
  attempt.created_ms = ctx_->clock->UnixMillis();
  attempt.latency_ms = (ctx_->clock->NowMicros() - started_us) / 1000.0;
  if (!response.ok()) {
    attempt.status = "error";
    attempt.error = Redact(response.error().message);
    attempt.cost = 0.0;  // nothing billed for a failed request
    result_.latency_ms += attempt.latency_ms;
    result_.attempts.push_back(std::move(attempt));
    ++api_errors_;
    if (api_errors_ > ctx_->policy.max_api_errors) {
      Finish(false, Json(), result_.attempts.back().error);
    } else {
      Attempt();  // same conversation: API errors never reach the model
    }
    return;
  }
  ChatResponse& r = *response;
  attempt.response_text = r.text;
  attempt.raw_body = Redact(r.raw_body);
  attempt.http_attempts = r.http_attempts;
  attempt.input_tokens = r.usage.input_tokens;
  attempt.output_tokens = r.usage.output_tokens;
  attempt.cost = ctx_->prices->Cost(ctx_->provider_name, ctx_->model, r.usage);
  HandleOutput(r.text, std::move(attempt));
}

void ItemCall::HandleOutput(const std::string& text, AttemptRecord attempt) {
  ++outputs_;
  Json output;
  std::string error;
  if (ctx_->schema != nullptr) {
    Result<Json> parsed = ParseAndValidate(text, *ctx_->schema);
    if (parsed.ok()) {
      output = std::move(parsed).value();
    } else {
      error = parsed.error().message;
    }
  } else {
    output = text;
  }
  bool valid = error.empty();
  attempt.status = valid ? "ok" : "invalid";
  attempt.error = error;
  result_.raw = text;
  result_.latency_ms += attempt.latency_ms;
  bool from_cache = attempt.cache_hit;
  CacheEntry entry;
  if (valid && !from_cache) {
    entry.key = cache_key_;
    entry.response_text = text;
    entry.input_tokens = attempt.input_tokens;
    entry.output_tokens = attempt.output_tokens;
    entry.created_ms = attempt.created_ms;
  }
  result_.attempts.push_back(std::move(attempt));
  if (valid) {
    if (!from_cache && ctx_->policy.use_cache) {
      if (ctx_->pending_cache != nullptr) {
        ctx_->pending_cache->Put(std::move(entry));
      } else {
        Status put = ctx_->store->CachePut(entry);
        (void)put;  // a cache write failure only costs a future call
      }
    }
    Finish(true, std::move(output), "");
    return;
  }
  if (outputs_ >= ctx_->task->attempts) {
    Finish(false, Json(), error);
    return;
  }
  request_.messages.push_back({"assistant", text});
  request_.messages.push_back({"user", ReaskMessage(error)});
  Attempt();
}

void ItemCall::Finish(bool ok, Json output, const std::string& error) {
  result_.status = ok ? "ok" : "failed";
  result_.error = error;
  result_.cache_hit = !result_.attempts.empty();
  bool cost_known = true;
  double cost = 0;
  for (const AttemptRecord& a : result_.attempts) {
    result_.input_tokens += a.input_tokens;
    result_.output_tokens += a.output_tokens;
    result_.cache_hit = result_.cache_hit && a.cache_hit;
    if (a.cost.has_value()) {
      cost += *a.cost;
    } else {
      cost_known = false;
    }
  }
  if (cost_known) result_.cost = cost;
  if (ok) result_.correct = IsCorrect(*ctx_->task, output, gold_);
  if (!ok && gold_.has_value() && !ctx_->task->target.empty()) result_.correct = false;
  result_.output = std::move(output);
  // `done` may destroy this object: touch no member after it.
  Done done = std::move(done_);
  done(std::move(result_));
}

}  // namespace centaur
