// The `local:` provider: a GGUF model run in-process by llama.cpp.
//
// Messages are rendered with the model's own chat template (or the task's
// `chat_template:` override); a model without one is an error that says
// so. The output schema becomes a GBNF grammar (local/grammar.h), so the
// output always parses and has the schema's structure; the engine still
// validates it and re-asks as for any provider. Requests decode together in
// one context (local/batch_decoder.h). Embed runs synchronously in a second
// context, created on first use (local/local_embedder.h).
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

}  // namespace centaur
