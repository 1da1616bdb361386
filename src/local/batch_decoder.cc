#include "local/batch_decoder.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "common.h"
#include "llama.h"
#include "local/llama_context.h"
#include "sampling.h"

namespace centaur {
namespace {

using SteadyClock = std::chrono::steady_clock;

double MsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t).count();
}

struct SamplerFree {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerFree>;

// Greedy decoding under a grammar without checking the whole vocabulary.
//
// llama.cpp's grammar sampler checks a candidate token by walking its text
// through the grammar. common_sampler (as llama-server uses it) takes the
// unconstrained argmax and, when the grammar rejects it, checks every token
// of the vocabulary. In structured output most steps are constrained
// (punctuation, keys, enum values), so that scan of 32k-150k texts was
// nearly all of decoding: ~90% of the time on the tiny model.
//
// At temperature 0 the answer is the highest-logit token the grammar
// accepts, and the grammar accepts a text only if it accepts each prefix of
// it. So: the unconstrained argmax is tried first, then the next best few
// (inside a free-text field one of them is accepted). When all are rejected,
// the first byte is probed with the vocabulary's one-byte tokens and the
// first two bytes with its two-byte tokens, and only the tokens whose
// prefixes pass are checked in full. The pick is the full scan's (ties: the
// lowest id), for a few hundred checks instead of the vocabulary.
class VocabIndex {
 public:
  explicit VocabIndex(const llama_vocab* vocab) {
    const int n = llama_vocab_n_tokens(vocab);
    byte_token_.fill(-1);
    pair_token_.assign(kPairs, -1);
    multi_count_.fill(0);
    suppressed_.assign(static_cast<size_t>(n), 0);
    int32_t n_suppress = 0;
    const llama_token* suppress = llama_vocab_get_suppress_tokens(vocab, &n_suppress);
    for (int32_t i = 0; i < n_suppress; ++i) {
      if (suppress[i] >= 0 && suppress[i] < n) suppressed_[static_cast<size_t>(suppress[i])] = 1;
    }
    std::vector<int32_t> key(static_cast<size_t>(n), -1);  // first two bytes
    std::vector<int32_t> pair_count(kPairs, 0);
    char buf[256];
    for (llama_token t = 0; t < n; ++t) {
      if (suppressed_[static_cast<size_t>(t)]) continue;
      if (llama_vocab_is_eog(vocab, t)) {
        eog_.push_back(t);
        continue;
      }
      // The text the grammar sees (special tokens as their text).
      const int len = llama_token_to_piece(vocab, t, buf, sizeof(buf), 0, /*special=*/true);
      if (len < 0) {  // longer than buf: checked in full every time
        unindexed_.push_back(t);
        continue;
      }
      // Empty texts and texts starting with NUL are never accepted.
      if (len == 0 || buf[0] == 0) continue;
      const auto b0 = static_cast<unsigned char>(buf[0]);
      if (len == 1) {
        single_[b0].push_back(t);
        if (byte_token_[b0] < 0) byte_token_[b0] = t;
        continue;
      }
      const int k = Pair(buf);
      if (len == 2 && pair_token_[static_cast<size_t>(k)] < 0) {
        pair_token_[static_cast<size_t>(k)] = t;
      }
      ++multi_count_[b0];
      key[static_cast<size_t>(t)] = k;
      ++pair_count[static_cast<size_t>(k)];
    }
    pair_start_.assign(kPairs + 1, 0);
    for (size_t i = 0; i < kPairs; ++i) pair_start_[i + 1] = pair_start_[i] + pair_count[i];
    pair_tokens_.resize(static_cast<size_t>(pair_start_[kPairs]));
    std::vector<int32_t> fill(pair_start_.begin(), pair_start_.end() - 1);
    for (llama_token t = 0; t < n; ++t) {
      const int32_t k = key[static_cast<size_t>(t)];
      if (k >= 0) pair_tokens_[static_cast<size_t>(fill[static_cast<size_t>(k)]++)] = t;
    }
  }

  // Working memory of one Select call; one per thread.
  struct Scratch {
    std::vector<llama_token_data> top, cand, probe;
    std::vector<int> probe_key;  // the byte or pair each probe stands for
  };

  // The highest-logit token `grammar` accepts; -1 when it accepts none.
  llama_token Select(llama_sampler* grammar, const float* logits, Scratch* w) const {
    TopK(logits, &w->top);
    if (w->top.empty()) return -1;
    if (Accepts(grammar, w->top[0].id)) return w->top[0].id;
    // An accepted token among the best few beats every token outside them.
    w->cand.assign(w->top.begin() + 1, w->top.end());
    const llama_token top_pick = BestAccepted(grammar, &w->cand);
    if (top_pick >= 0) return top_pick;

    // First bytes the grammar accepts (unprobed bytes count as accepted).
    w->probe.clear();
    w->probe_key.clear();
    for (int b = 0; b < 256; ++b) {
      if (byte_token_[b] < 0) continue;
      w->probe.push_back({byte_token_[b], 0.0f, 0.0f});
      w->probe_key.push_back(b);
    }
    Apply(grammar, &w->probe);
    std::array<bool, 256> first;
    first.fill(true);
    for (size_t i = 0; i < w->probe.size(); ++i) {
      first[w->probe_key[i]] = std::isfinite(w->probe[i].logit);
    }

    // Tokens of accepted first bytes: directly, or by their first two bytes
    // where a two-byte token can probe them.
    w->cand.clear();
    w->probe.clear();
    w->probe_key.clear();
    for (int b = 0; b < 256; ++b) {
      if (!first[b]) continue;
      for (llama_token t : single_[b]) Add(t, logits, &w->cand);
      const bool narrow = multi_count_[b] > kNarrowAbove;
      for (int k = b * 256; k < (b + 1) * 256; ++k) {
        if (pair_start_[k] == pair_start_[k + 1]) continue;
        if (narrow && pair_token_[static_cast<size_t>(k)] >= 0) {
          w->probe.push_back({pair_token_[static_cast<size_t>(k)], 0.0f, 0.0f});
          w->probe_key.push_back(k);
        } else {
          AddPair(k, logits, &w->cand);
        }
      }
    }
    Apply(grammar, &w->probe);
    for (size_t i = 0; i < w->probe.size(); ++i) {
      if (std::isfinite(w->probe[i].logit)) AddPair(w->probe_key[i], logits, &w->cand);
    }
    for (llama_token t : unindexed_) Add(t, logits, &w->cand);
    for (llama_token t : eog_) Add(t, logits, &w->cand);
    return BestAccepted(grammar, &w->cand);
  }

  // The same pick by checking every token, as common_sampler does after a
  // rejected argmax (DecoderOptions::full_grammar_scan).
  llama_token SelectByFullScan(llama_sampler* grammar, const float* logits, Scratch* w) const {
    w->cand.clear();
    for (llama_token t = 0; t < static_cast<llama_token>(suppressed_.size()); ++t) {
      if (!suppressed_[static_cast<size_t>(t)]) Add(t, logits, &w->cand);
    }
    return BestAccepted(grammar, &w->cand);
  }

 private:
  static constexpr size_t kPairs = 256 * 256;
  // Tokens tried by logit before narrowing by bytes: enough for a free-text
  // field, where most tokens are accepted.
  static constexpr size_t kTopK = 32;
  // First bytes starting more tokens than this are narrowed by two bytes.
  static constexpr int kNarrowAbove = 32;

  static int Pair(const char* two) {
    return static_cast<unsigned char>(two[0]) * 256 + static_cast<unsigned char>(two[1]);
  }

  // *top: the kTopK highest-logit tokens, best first.
  void TopK(const float* logits, std::vector<llama_token_data>* top) const {
    // Sorting by `better` puts the best first; as a heap, the worst kept on top.
    auto better = [](const llama_token_data& a, const llama_token_data& b) {
      return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    };
    top->clear();
    const auto n = static_cast<llama_token>(suppressed_.size());
    for (llama_token t = 0; t < n; ++t) {
      if (suppressed_[static_cast<size_t>(t)]) continue;
      if (top->size() < kTopK) {
        top->push_back({t, logits[t], 0.0f});
        if (top->size() == kTopK) std::make_heap(top->begin(), top->end(), better);
      } else if (logits[t] > top->front().logit) {
        std::pop_heap(top->begin(), top->end(), better);
        top->back() = {t, logits[t], 0.0f};
        std::push_heap(top->begin(), top->end(), better);
      }
    }
    std::sort(top->begin(), top->end(), better);
  }

  static void Apply(llama_sampler* grammar, std::vector<llama_token_data>* tokens) {
    if (tokens->empty()) return;
    llama_token_data_array a{tokens->data(), tokens->size(), -1, false};
    llama_sampler_apply(grammar, &a);
  }

  static bool Accepts(llama_sampler* grammar, llama_token t) {
    llama_token_data d{t, 0.0f, 0.0f};
    llama_token_data_array a{&d, 1, -1, false};
    llama_sampler_apply(grammar, &a);
    return std::isfinite(d.logit);
  }

  static void Add(llama_token t, const float* logits, std::vector<llama_token_data>* cand) {
    cand->push_back({t, logits[t], 0.0f});
  }
  void AddPair(int k, const float* logits, std::vector<llama_token_data>* cand) const {
    for (int32_t i = pair_start_[k]; i < pair_start_[k + 1]; ++i) {
      Add(pair_tokens_[static_cast<size_t>(i)], logits, cand);
    }
  }

  static llama_token BestAccepted(llama_sampler* grammar, std::vector<llama_token_data>* cand) {
    Apply(grammar, cand);
    llama_token best = -1;
    float best_logit = -INFINITY;
    for (const llama_token_data& d : *cand) {
      if (!std::isfinite(d.logit)) continue;
      if (best < 0 || d.logit > best_logit || (d.logit == best_logit && d.id < best)) {
        best = d.id;
        best_logit = d.logit;
      }
    }
    return best;
  }

  std::array<llama_token, 256> byte_token_;           // a token whose text is this byte
  std::vector<llama_token> pair_token_;               // a token whose text is these two bytes
  std::array<std::vector<llama_token>, 256> single_;  // one-byte texts, by byte
  std::array<int, 256> multi_count_;                  // longer texts, by first byte
  std::vector<int32_t> pair_start_;                   // longer texts by first two bytes (CSR)
  std::vector<llama_token> pair_tokens_;
  std::vector<llama_token> unindexed_;  // texts too long to index
  std::vector<llama_token> eog_;
  std::vector<char> suppressed_;  // never sampled (the model says so)
};

// Runs a batch of independent jobs on the calling thread and `helpers`
// threads, which sleep between batches. Used to pick the next token of many
// sequences at once: sampling runs between llama_decode calls, when
// llama.cpp's own threads are idle.
class JobPool {
 public:
  explicit JobPool(int helpers) {
    for (int i = 1; i <= helpers; ++i) threads_.emplace_back([this, i] { Loop(i); });
  }
  ~JobPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  JobPool(const JobPool&) = delete;
  JobPool& operator=(const JobPool&) = delete;

  int workers() const { return static_cast<int>(threads_.size()) + 1; }

  // Calls job(i, worker) for every i in [0, n), worker in [0, workers());
  // returns when all calls have returned. `job` must not throw.
  void Run(size_t n, const std::function<void(size_t, int)>& job) {
    if (n == 0) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &job;
      n_ = n;
      next_ = 0;
      done_ = 0;
      ++generation_;
    }
    if (n > 1) wake_.notify_all();
    Work(0, generation_);
    std::unique_lock<std::mutex> lock(mu_);
    finished_.wait(lock, [this] { return done_ == n_; });
    job_ = nullptr;
  }

 private:
  void Loop(int worker) {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      lock.unlock();
      Work(worker, seen);
      lock.lock();
    }
  }

  // Takes jobs of batch `generation` until none is left.
  void Work(int worker, uint64_t generation) {
    while (true) {
      size_t i;
      const std::function<void(size_t, int)>* job;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (generation_ != generation || next_ >= n_) return;
        i = next_++;
        job = job_;
      }
      (*job)(i, worker);
      bool last;
      {
        std::lock_guard<std::mutex> lock(mu_);
        last = ++done_ == n_;
      }
      if (last) finished_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_, finished_;
  std::vector<std::thread> threads_;
  const std::function<void(size_t, int)>* job_ = nullptr;
  size_t n_ = 0, next_ = 0, done_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

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
  common_sampler_ptr sampler;  // sampling in general
  SamplerPtr grammar;          // greedy under a grammar: VocabIndex::Select
  size_t next_prompt = 0;      // index of the next prompt token to decode
  int batch_index = -1;        // where this slot's logits are in the current batch
  llama_token last = -1;       // sampled, not yet decoded
  bool has_last = false;
  llama_token picked = -1;  // this step's greedy pick under the grammar (-1: none)
  DecodeResult result;
};

// Threads for llama_decode: DecoderOptions::threads, else one per 16 MB of
// weights, up to the cores. A tiny model's ops take microseconds, less than
// sharing them with a second thread costs, and a thread waiting at a barrier
// for one the OS has descheduled spins for milliseconds (on a busy 2-core
// machine the tiny model decoded 20x slower on two threads than on one).
int DecodeThreads(const DecoderOptions& options, const llama_model* model) {
  if (options.threads > 0) return options.threads;
  constexpr uint64_t kBytesPerThread = 16ull << 20;
  const uint64_t by_size = std::max<uint64_t>(1, llama_model_size(model) / kBytesPerThread);
  return static_cast<int>(std::min<uint64_t>(by_size, static_cast<uint64_t>(Cores())));
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
  std::unique_ptr<VocabIndex> index;           // built for the first greedy grammar request
  std::map<std::string, SamplerPtr> grammars;  // parsed once, cloned per request
  std::unique_ptr<JobPool> pool;               // started with `index`
  std::vector<VocabIndex::Scratch> scratch;    // one per pool worker
  std::vector<Slot*> picking;                  // this step's greedy grammar slots
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
  void Assign() {
    while (!queue.empty()) {
      Slot* best = nullptr;
      size_t best_prefix = 0;
      for (Slot& s : slots) {
        if (s.active) continue;
        size_t p = CommonPrefix(s.cached, queue.front().request.prompt);
        if (best == nullptr || p > best_prefix) {
          best = &s;
          best_prefix = p;
        }
      }
      if (best == nullptr) return;
      Pending work = std::move(queue.front());
      queue.pop_front();
      Start(*best, std::move(work), best_prefix);
    }
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
    s.next_prompt = prefix;
    s.result.cached_tokens = static_cast<int>(prefix);

    if (req.temperature <= 0 && !req.grammar.empty()) {
      llama_sampler* proto = Grammar(req.grammar);
      if (proto != nullptr) s.grammar.reset(llama_sampler_clone(proto));
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

  // The grammar sampler for `gbnf` in its start state; null if it does not
  // parse. Requests of one task share one grammar: parsed once.
  llama_sampler* Grammar(const std::string& gbnf) {
    auto it = grammars.find(gbnf);
    if (it != grammars.end()) return it->second.get();
    if (grammars.size() >= kMaxGrammars) grammars.clear();
    SamplerPtr g;
    try {
      g.reset(llama_sampler_init_grammar(model->vocab(), gbnf.c_str(), "root"));
    } catch (const std::exception&) {
      g.reset();
    }
    if (!g) return nullptr;
    if (!index) {
      index = std::make_unique<VocabIndex>(model->vocab());
      // Threads picking tokens: DecoderOptions::threads, else one per core.
      const int pickers = std::min(options.parallel, ThreadsOrCores(options.threads));
      pool = std::make_unique<JobPool>(pickers - 1);
      scratch.resize(static_cast<size_t>(pool->workers()));
    }
    return grammars.emplace(gbnf, std::move(g)).first->second.get();
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
    PickUnderGrammars();
    for (Slot& s : slots) {
      if (!s.active || s.batch_index < 0) continue;
      Sample(s);
    }
    busy_s += std::chrono::duration<double>(SteadyClock::now() - t0).count();
    RunCallbacks();
    return true;
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
      s.picked = options.full_grammar_scan ? index->SelectByFullScan(s.grammar.get(), logits[i], w)
                                           : index->Select(s.grammar.get(), logits[i], w);
      if (s.picked < 0) return;
      try {
        llama_sampler_accept(s.grammar.get(), s.picked);
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
  cp.n_ctx = static_cast<uint32_t>(per_seq * impl->options.parallel);
  cp.n_batch = static_cast<uint32_t>(impl->options.batch);
  cp.n_ubatch = std::min<uint32_t>(cp.n_batch, 512);
  cp.n_seq_max = static_cast<uint32_t>(impl->options.parallel);
  cp.kv_unified = false;  // one KV stream per sequence: no cross-sequence attention cost
  CENTAUR_ASSIGN_OR_RETURN(impl->ctx, NewLlamaContext(model->model(), cp, "a context"));
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
