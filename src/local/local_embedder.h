// LocalEmbedder: text embeddings from a GGUF model, in a llama.cpp context of
// its own (embeddings on, pooled per sequence), created on the first Embed so
// that chat-only use never pays for it.
//
// Pooling: the model's declared pooling type (mean, CLS, last token); mean
// when it declares none. A reranking model (pooling type rank) has no
// embeddings. Each input is tokenized as data (special-token text is not
// parsed; BOS/EOS as the model wants) and decoded as its own sequence, as
// many per llama_decode as fit; every vector is L2-normalized. A vector does
// not depend on what else shares its batch (to float rounding).
//
// Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "llm/types.h"
#include "local/local_model.h"

namespace centaur {

struct EmbedderOptions {
  static constexpr int kDefaultBatch = 2048;
  static constexpr int kDefaultSequences = 64;
  // Tokens per llama_decode, which is also the longest input (capped at the
  // model's training context).
  int batch = kDefaultBatch;
  int max_sequences = kDefaultSequences;  // inputs per llama_decode
  int threads = 0;                        // 0: hardware concurrency
};

class LocalEmbedder {
 public:
  LocalEmbedder(std::shared_ptr<LocalModel> model, const EmbedderOptions& options);
  ~LocalEmbedder();
  LocalEmbedder(const LocalEmbedder&) = delete;
  LocalEmbedder& operator=(const LocalEmbedder&) = delete;

  // One vector per input, in order; usage.input_tokens counts every token
  // decoded. Errors: no inputs, an empty input, an input longer than
  // max_input_tokens(), a model without embeddings.
  Result<EmbedResponse> Embed(const std::vector<std::string>& inputs);

  // The length of every vector (the model's output embedding width).
  int dimensions() const;
  // The longest input in tokens; 0 until the context exists.
  int max_input_tokens() const;
  // Time spent inside llama_decode since creation.
  double busy_seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centaur
