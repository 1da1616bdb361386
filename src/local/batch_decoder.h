// BatchDecoder: continuous batching over one llama.cpp context, as
// llama-server does with slots. Up to `parallel` requests decode at once,
// each in its own sequence; every step is one llama_decode of a batch that
// carries the next token of every generating sequence plus as much pending
// prompt as fits. A finished sequence frees its slot for the next queued
// request at once. A slot keeps its tokens in the KV cache after it
// finishes, and a new request reuses the longest common prefix (the system
// prompt and few-shot turns are decoded once per slot, not once per item);
// a slot starting a prompt another slot holds more of copies that slot's KV
// cache instead (so slots filling together decode the shared prefix once).
//
// Sampling: temperature 0 is greedy; otherwise llama.cpp's default chain
// with the request's seed. A GBNF grammar constrains the output; it is
// checked only when the sampler's first pick is rejected (common_sampler).
// Greedy decoding under a grammar narrows the tokens to check by the bytes
// the grammar accepts next instead of checking the whole vocabulary,
// remembers the accepted tokens of each constrained grammar state across
// requests (vocab_index.h), and picks the next tokens of all sequences in
// parallel (up to `threads`). Under a grammar, tokens with a byte UTF-8
// never uses are never picked. Decoding threads persist between steps.
//
// Not thread-safe: Submit and Poll from one thread; callbacks run in Poll.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "local/local_model.h"

namespace centaur {

struct DecodeRequest {
  std::vector<int32_t> prompt;  // tokens, BOS included when the model wants it
  std::string grammar;          // GBNF; empty: unconstrained
  double temperature = 0;
  uint32_t seed = 0;
  int max_tokens = 400;
};

struct DecodeResult {
  std::string text;
  int prompt_tokens = 0;
  int cached_tokens = 0;      // prompt tokens reused from the slot's KV cache
  int output_tokens = 0;      // sampled tokens, the end-of-generation token included
  std::string finish_reason;  // "stop" or "length"
  double latency_ms = 0;
};

struct DecoderOptions {
  static constexpr int kDefaultParallel = 8;
  static constexpr int kDefaultContextPerSequence = 4096;
  static constexpr int kDefaultBatch = 2048;
  int parallel = kDefaultParallel;
  // Tokens of context per sequence (capped at the model's training context).
  int context_per_sequence = kDefaultContextPerSequence;
  int batch = kDefaultBatch;  // tokens per llama_decode
  // Threads decoding and picking tokens. 0: for decoding one token, one per
  // 16 MB of weights up to the cores (a tiny model decodes fastest on one);
  // for a step of several tokens and for picking tokens under a grammar, one
  // per core.
  int threads = 0;
  // Decoders, each with its own context, share of `parallel` and thread
  // (local/sharded_decoder.h). 0: one per ThreadsBySize threads of the
  // cores, so a model too small to share a step's ops among threads runs
  // one decoder per core; with `threads` set, one.
  int shards = 0;
  // Greedy decoding under a grammar checks every vocabulary token whenever
  // the argmax is rejected, as llama-server does, instead of narrowing the
  // candidates first. Same tokens, slower: for tests and comparisons.
  bool full_grammar_scan = false;
};

class BatchDecoder {
 public:
  using Callback = std::function<void(Result<DecodeResult>)>;
  static Result<std::unique_ptr<BatchDecoder>> Create(std::shared_ptr<LocalModel> model,
                                                      const DecoderOptions& options);
  ~BatchDecoder();

  void Submit(DecodeRequest request, Callback done);
  // Decodes until a request finishes, `timeout_ms` passes or nothing is
  // left. Returns the number of requests not finished.
  int Poll(int timeout_ms);

  const LocalModel& model() const;
  int parallel() const;
  // Time spent inside llama_decode and sampling since creation.
  double busy_seconds() const;

 private:
  struct Impl;
  explicit BatchDecoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace centaur
