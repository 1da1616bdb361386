// The `local:` provider: a GGUF model run in-process by llama.cpp.
//
// Messages are rendered with the model's own chat template (or the task's
// `chat_template:` override); a model without one is an error that says
// so. The output schema becomes a GBNF grammar (local/grammar.h), so the
// output always parses and has the schema's structure; the engine still
// validates it and re-asks as for any provider. Requests decode together in
// one context (local/batch_decoder.h), or in one per core for a model too
// small to share a step among threads (local/sharded_decoder.h). Embed runs
// synchronously in a second context, created on first use
// (local/local_embedder.h).
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "llm/provider.h"
#include "local/batch_decoder.h"

namespace centaur {

// `model` is what follows "local:" (a name in ModelsDir() or a path).
Result<std::unique_ptr<Provider>> NewLocalProvider(const std::string& model,
                                                   const DecoderOptions& options);

// Where a local provider's ComputeSeconds went; all zero for another provider.
struct LocalComputeTime {
  double decode_s = 0;    // ShardedDecoder::busy_seconds
  double tokenize_s = 0;  // llama.cpp's tokenizer, on the thread that submits
  double embed_s = 0;     // LocalEmbedder, on the thread that submits
  int shards = 0;         // 1: decoding runs on the thread that polls
};
LocalComputeTime LocalCompute(const Provider& provider);

}  // namespace centaur
