// The tiny model: a random-weight llama model generated in well under a
// second from llama.cpp's phi-3 vocabulary (linked into the binary), so the
// local engine can be tested, benchmarked and demonstrated with no weights to
// download. It has a real tokenizer and chat template; its answers are
// random. Structured output still parses, because decoding is constrained.
//
// One deliberate bias: a dimension of the residual stream is held constant
// and the output layer reads it to favour tokens that close a JSON string,
// so free-text fields end after a few tokens instead of running to
// max_tokens. Everything else is noise from `seed`.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace centaur {

struct TinyModelOptions {
  static constexpr int kDefaultLayers = 2;
  static constexpr int kDefaultEmbd = 64;
  static constexpr int kDefaultHeads = 4;
  static constexpr int kDefaultFf = 128;
  static constexpr int kDefaultContext = 4096;
  uint64_t seed = 1;
  int n_layer = kDefaultLayers;
  int n_embd = kDefaultEmbd;
  int n_head = kDefaultHeads;
  int n_ff = kDefaultFf;
  int n_ctx = kDefaultContext;
  // false: drop the vocabulary's chat template (to test models without one).
  bool chat_template = true;
};

// Writes the model to `path` (atomically: a temp file renamed into place).
Status WriteTinyModel(const std::string& path, const TinyModelOptions& options = {});

}  // namespace centaur
