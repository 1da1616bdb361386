#include "local/batch_decoder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>

#include "common.h"
#include "ggml-cpu.h"
#include "llama.h"
#include "local/grammar_cursor.h"
#include "local/job_pool.h"
#include "local/llama_context.h"
#include "local/vocab_index.h"
#include "sampling.h"

namespace centaur {
namespace {

using SteadyClock = std::chrono::steady_clock;

double MsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t).count();
}

struct Pending {
  DecodeRequest request;
  BatchDecoder::Callback done;
  SteadyClock::time_point submitted;
};

struct Slot {
  int id = 0;
  bool active = false;
  std::vector<llama_token> cached;  // tokens whose K/V are in this sequence
  Pending work;
  common_sampler_ptr sampler;              // sampling in general
  std::shared_ptr<ParsedGrammar> parsed;   // greedy under a grammar: VocabIndex::Select
  std::unique_ptr<GrammarCursor> grammar;  // this request's state in `parsed`
  size_t next_prompt = 0;                  // index of the next prompt token to decode
  int batch_index = -1;                    // where this slot's logits are in the current batch
  llama_token last = -1;                   // sampled, not yet decoded
  bool has_last = false;
  llama_token picked = -1;  // this step's greedy pick under the grammar (-1: none)
  DecodeResult result;
};

// Threads for llama_decode of one token: DecoderOptions::threads, else
// ThreadsBySize.
int DecodeThreads(const DecoderOptions& options, const llama_model* model) {
  return options.threads > 0 ? options.threads : ThreadsBySize(model);
}

size_t CommonPrefix(const std::vector<llama_token>& a, const std::vector<int32_t>& b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

struct BatchDecoder::Impl : LlamaContext {
  DecoderOptions options;
  int n_ctx_seq = 0;
  std::vector<Slot> slots;
  std::deque<Pending> queue;
  std::unique_ptr<VocabIndex> index;  // built for the first greedy grammar request
  std::map<std::string, std::shared_ptr<ParsedGrammar>> grammars;  // by GBNF
  std::unique_ptr<JobPool> pool;                                   // started with `index`
  std::vector<VocabIndex::Scratch> scratch;                        // one per pool worker
  std::vector<Slot*> picking;  // this step's greedy grammar slots
  // Requests finished in this step, their callbacks not yet run.
  std::vector<std::pair<BatchDecoder::Callback, Result<DecodeResult>>> finished;

  int Unfinished() const {
    int n = static_cast<int>(queue.size());
    for (const Slot& s : slots) n += s.active ? 1 : 0;
    return n;
  }

  void Finish(Slot& s, Result<DecodeResult> r) {
    s.active = false;
    s.batch_index = -1;
    s.has_last = false;
    s.sampler.reset();
    s.grammar.reset();
    s.parsed.reset();
    if (r.ok()) r->latency_ms = MsSince(s.work.submitted);
    finished.push_back({std::move(s.work.done), std::move(r)});
    s.work = Pending{};
  }

  // Runs the callbacks of the requests that finished in this step, after
  // its time is counted: they are the engine's work (parsing, validation,
  // the store, the next request), not the model's.
  void RunCallbacks() {
    std::vector<std::pair<Callback, Result<DecodeResult>>> done;
    done.swap(finished);
    for (auto& [callback, result] : done) callback(std::move(result));
  }

  // Gives queued requests the free slot sharing the longest prompt prefix.
  // A request whose prompt shares more with a prompt another slot is still
  // decoding waits for it, to copy it (CopyPrefix) rather than decode it
  // again: when the slots first fill, the shared system prompt and n-shot
  // turns are decoded once, not once per slot.
  void Assign() {
    while (!queue.empty()) {
      const std::vector<int32_t>& prompt = queue.front().request.prompt;
      Slot* best = nullptr;
      size_t best_prefix = 0;
      for (Slot& s : slots) {
        if (s.active) continue;
        size_t p = CommonPrefix(s.cached, prompt);
        if (best == nullptr || p > best_prefix) {
          best = &s;
          best_prefix = p;
        }
      }
      if (best == nullptr) return;
      for (const Slot& d : slots) {
        if (!d.active || d.next_prompt >= d.work.request.prompt.size()) continue;
        const size_t shared = CommonPrefix(d.work.request.prompt, prompt);
        if (shared >= best_prefix + kMinCopiedTokens && shared > d.cached.size()) return;
      }
      Pending work = std::move(queue.front());
      queue.pop_front();
      Start(*best, std::move(work), best_prefix);
    }
  }
  // Fewer shared tokens are decoded rather than copied: a copy moves the
  // whole of a sequence's KV cache (llama.cpp copies between streams only so).
  static constexpr size_t kMinCopiedTokens = 32;

  // Copies to `s` the KV cache of the slot holding the longest prefix of its
  // prompt, when that is at least kMinCopiedTokens more than `prefix` (what
  // `s` holds itself). Returns the prefix `s` now holds.
  size_t CopyPrefix(Slot& s, size_t prefix) {
    const std::vector<int32_t>& prompt = s.work.request.prompt;
    const Slot* donor = nullptr;
    size_t longest = prefix;
    for (const Slot& d : slots) {
      if (&d == &s) continue;
      const size_t p = std::min(CommonPrefix(d.cached, prompt), prompt.size() - 1);
      if (p > longest) {
        donor = &d;
        longest = p;
      }
    }
    if (donor == nullptr || longest < prefix + kMinCopiedTokens) return prefix;
    llama_memory_t memory = llama_get_memory(ctx);
    llama_memory_seq_rm(memory, s.id, -1, -1);
    llama_memory_seq_cp(memory, donor->id, s.id, -1, -1);  // done by the next llama_decode
    llama_memory_seq_rm(memory, s.id, static_cast<llama_pos>(longest), -1);
    s.cached.assign(prompt.begin(), prompt.begin() + static_cast<std::ptrdiff_t>(longest));
    return longest;
  }

  void Start(Slot& s, Pending work, size_t prefix) {
    s.work = std::move(work);
    const DecodeRequest& req = s.work.request;
    s.active = true;
    s.result = DecodeResult{};
    s.result.prompt_tokens = static_cast<int>(req.prompt.size());
    if (req.prompt.empty()) {
      Finish(s, MakeError(ErrorCode::kInvalidArgument, "local model: the prompt is empty"));
      return;
    }
    if (static_cast<int>(req.prompt.size()) >= n_ctx_seq) {
      Finish(s, MakeError(ErrorCode::kInvalidArgument,
                          "local model: the prompt is " + std::to_string(req.prompt.size()) +
                              " tokens; a sequence holds " + std::to_string(n_ctx_seq) +
                              " (raise the context or shorten the prompt)"));
      return;
    }
    // Decode at least the last prompt token: its logits start generation.
    prefix = std::min(prefix, req.prompt.size() - 1);
    llama_memory_seq_rm(llama_get_memory(ctx), s.id, static_cast<llama_pos>(prefix), -1);
    s.cached.resize(prefix);
    prefix = CopyPrefix(s, prefix);
    s.next_prompt = prefix;
    s.result.cached_tokens = static_cast<int>(prefix);

    if (req.temperature <= 0 && !req.grammar.empty()) {
      s.parsed = Grammar(req.grammar);
      if (s.parsed) s.grammar = std::make_unique<GrammarCursor>(*s.parsed);
      if (!s.grammar) {
        Finish(s, MakeError(ErrorCode::kInvalidArgument,
                            "local model: the output grammar does not parse: " + LastLlamaError()));
      }
      return;
    }
    common_params_sampling sp;
    sp.temp = static_cast<float>(req.temperature);
    sp.seed = req.seed;
    sp.no_perf = true;
    if (!req.grammar.empty()) sp.grammar = {COMMON_GRAMMAR_TYPE_USER, req.grammar};
    try {
      s.sampler.reset(common_sampler_init(model->model(), sp));
    } catch (const std::exception& e) {
      s.sampler.reset();
    }
    if (!s.sampler) {
      Finish(s, MakeError(ErrorCode::kInvalidArgument,
                          "local model: the output grammar does not parse: " + LastLlamaError()));
    }
  }

  // `gbnf` parsed; null if it does not parse. Requests of one task share
  // one grammar: parsed once, its states' tokens remembered across requests.
  std::shared_ptr<ParsedGrammar> Grammar(const std::string& gbnf) {
    auto it = grammars.find(gbnf);
    if (it != grammars.end()) return it->second;
    if (grammars.size() >= kMaxGrammars) grammars.clear();
    std::shared_ptr<ParsedGrammar> g = ParsedGrammar::Parse(model->vocab(), gbnf);
    if (!g) return nullptr;
    if (!index) {
      index = std::make_unique<VocabIndex>(model->vocab());
      // Threads picking tokens: DecoderOptions::threads, else one per core.
      const int pickers = std::min(options.parallel, ThreadsOrCores(options.threads));
      pool = std::make_unique<JobPool>(pickers - 1);
      scratch.resize(static_cast<size_t>(pool->workers()));
    }
    return grammars.emplace(gbnf, std::move(g)).first->second;
  }
  static constexpr size_t kMaxGrammars = 64;

  // One llama_decode over every active slot. false: nothing to do.
  bool Step() {
    const auto t0 = SteadyClock::now();
    Assign();
    common_batch_clear(batch);
    for (Slot& s : slots) {
      s.batch_index = -1;
      if (!s.active || !s.has_last) continue;
      s.batch_index = batch.n_tokens;
      common_batch_add(batch, s.last, static_cast<llama_pos>(s.cached.size()), {s.id}, true);
      s.cached.push_back(s.last);
      s.has_last = false;
    }
    for (Slot& s : slots) {
      if (!s.active || s.batch_index >= 0) continue;
      const std::vector<int32_t>& prompt = s.work.request.prompt;
      while (s.next_prompt < prompt.size() && batch.n_tokens < options.batch) {
        const bool last = s.next_prompt + 1 == prompt.size();
        if (last) s.batch_index = batch.n_tokens;
        common_batch_add(batch, prompt[s.next_prompt], static_cast<llama_pos>(s.cached.size()),
                         {s.id}, last);
        s.cached.push_back(prompt[s.next_prompt]);
        ++s.next_prompt;
      }
    }
    if (batch.n_tokens == 0) {
      RunCallbacks();
      return false;
    }

    const int rc = llama_decode(ctx, batch);
    if (rc != 0) {
      const std::string why =
          "local model: llama_decode failed (" + std::to_string(rc) + "): " + LastLlamaError();
      for (Slot& s : slots) {
        if (!s.active) continue;
        llama_memory_seq_rm(llama_get_memory(ctx), s.id, -1, -1);
        s.cached.clear();
        Finish(s, MakeError(ErrorCode::kInternal, why));
      }
      RunCallbacks();
      return true;
    }
    BanNeverUtf8();
    PickUnderGrammars();
    int generating = 0;
    for (Slot& s : slots) {
      if (!s.active || s.batch_index < 0) continue;
      Sample(s);
      generating += s.has_last ? 1 : 0;
    }
    // Decoding threads poll for the next step between steps. They sleep
    // instead when the next steps decode one token (they would only take a
    // core from it) and while the callbacks run (the engine's work: on a
    // busy machine, spinning threads take cores from it).
    if (batch.n_tokens > 1 && generating <= 1 && threadpool_batch != nullptr) {
      ggml_threadpool_pause(threadpool_batch);
    }
    if (!finished.empty()) {
      if (threadpool != nullptr) ggml_threadpool_pause(threadpool);
      if (threadpool_batch != nullptr) ggml_threadpool_pause(threadpool_batch);
    }
    busy_s += std::chrono::duration<double>(SteadyClock::now() - t0).count();
    RunCallbacks();
    return true;
  }

  // Under a grammar, tokens that cannot be UTF-8 are never picked.
  void BanNeverUtf8() {
    for (Slot& s : slots) {
      if (!s.active || s.batch_index < 0 || s.work.request.grammar.empty()) continue;
      float* logits = llama_get_logits_ith(ctx, s.batch_index);
      for (llama_token t : model->never_utf8_tokens()) logits[t] = -INFINITY;
    }
  }

  // The greedy picks of every slot decoding under a grammar, in parallel:
  // each slot has its own grammar state and reads its own logits.
  void PickUnderGrammars() {
    picking.clear();
    for (Slot& s : slots) {
      if (s.active && s.batch_index >= 0 && s.grammar) picking.push_back(&s);
    }
    if (picking.empty()) return;
    std::vector<const float*> logits;
    for (Slot* s : picking) logits.push_back(llama_get_logits_ith(ctx, s->batch_index));
    pool->Run(picking.size(), [&](size_t i, int worker) {
      Slot& s = *picking[i];
      VocabIndex::Scratch* w = &scratch[static_cast<size_t>(worker)];
      s.picked = options.full_grammar_scan ? index->SelectByFullScan(*s.grammar, logits[i], w)
                                           : index->Select(*s.parsed, *s.grammar, logits[i], w);
      if (s.picked < 0) return;
      try {
        s.grammar->Accept(s.picked);
      } catch (const std::exception&) {
        s.picked = -1;
      }
    });
  }

  void Sample(Slot& s) {
    llama_token token;
    if (s.grammar) {
      token = s.picked;
      if (token < 0) {
        Finish(s, MakeError(ErrorCode::kInternal,
                            "local model: the output grammar allows no next token after: " +
                                s.result.text));
        return;
      }
    } else {
      token = common_sampler_sample(s.sampler.get(), ctx, s.batch_index);
      common_sampler_accept(s.sampler.get(), token, /*is_generated=*/true);
    }
    ++s.result.output_tokens;
    if (llama_vocab_is_eog(model->vocab(), token)) {
      s.result.finish_reason = "stop";
      Finish(s, std::move(s.result));
      return;
    }
    s.result.text += common_token_to_piece(ctx, token, /*special=*/false);
    if (s.result.output_tokens >= s.work.request.max_tokens ||
        static_cast<int>(s.cached.size()) + 1 >= n_ctx_seq) {
      s.result.finish_reason = "length";
      Finish(s, std::move(s.result));
      return;
    }
    s.last = token;
    s.has_last = true;
  }
};

BatchDecoder::BatchDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BatchDecoder::~BatchDecoder() = default;

Result<std::unique_ptr<BatchDecoder>> BatchDecoder::Create(std::shared_ptr<LocalModel> model,
                                                           const DecoderOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->options.parallel = std::max(1, options.parallel);
  impl->options.batch = std::max(impl->options.parallel, options.batch);
  int per_seq = options.context_per_sequence;
  if (model->context_length() > 0) per_seq = std::min(per_seq, model->context_length());
  impl->n_ctx_seq = per_seq;

  llama_context_params cp = BaseContextParams(DecodeThreads(options, model->model()));
  // A step of several sequences (or a prompt) has work enough per op to share.
  cp.n_threads_batch = ThreadsOrCores(options.threads);
  cp.n_ctx = static_cast<uint32_t>(per_seq * impl->options.parallel);
  cp.n_batch = static_cast<uint32_t>(impl->options.batch);
  cp.n_ubatch = std::min<uint32_t>(cp.n_batch, 512);
  cp.n_seq_max = static_cast<uint32_t>(impl->options.parallel);
  cp.kv_unified = false;  // one KV stream per sequence: no cross-sequence attention cost
  if (SmallHeads(model->model())) cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  CENTAUR_ASSIGN_OR_RETURN(impl->ctx, NewLlamaContext(model->model(), cp, "a context"));
  AttachThreadpools(impl.get(), cp.n_threads, cp.n_threads_batch);
  impl->n_ctx_seq = static_cast<int>(llama_n_ctx(impl->ctx)) / impl->options.parallel;
  impl->batch = llama_batch_init(impl->options.batch, 0, 1);
  impl->slots.resize(static_cast<size_t>(impl->options.parallel));
  for (int i = 0; i < impl->options.parallel; ++i) impl->slots[static_cast<size_t>(i)].id = i;
  impl->model = std::move(model);
  return std::unique_ptr<BatchDecoder>(new BatchDecoder(std::move(impl)));
}

void BatchDecoder::Submit(DecodeRequest request, Callback done) {
  impl_->queue.push_back(Pending{std::move(request), std::move(done), SteadyClock::now()});
}

int BatchDecoder::Poll(int timeout_ms) {
  const auto start = SteadyClock::now();
  const int before = impl_->Unfinished();
  while (impl_->Unfinished() > 0) {
    if (!impl_->Step()) break;
    if (impl_->Unfinished() < before || MsSince(start) >= timeout_ms) break;
  }
  return impl_->Unfinished();
}

const LocalModel& BatchDecoder::model() const { return *impl_->model; }
int BatchDecoder::parallel() const { return impl_->options.parallel; }
double BatchDecoder::busy_seconds() const { return impl_->busy_s; }

}  // namespace centaur
