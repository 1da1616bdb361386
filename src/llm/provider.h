// Provider: one LLM backend (OpenAI-compatible, Anthropic, later the embedded
// llama.cpp engine). Asynchronous like HttpClient: Submit queues, Poll drives,
// callbacks run on the polling thread. Not thread-safe.
//
// A provider asks for structured output through its native mechanism when the
// request has a schema (OpenAI json_schema strict response format, falling
// back to a forced tool call; Anthropic tool use) and returns the output as
// JSON text in ChatResponse::text. It does not validate against the schema:
// that and the re-ask loop are the engine's. Transport faults are retried
// below it (HttpClient); an error reaching the callback is final for this try.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/json.h"
#include "core/result.h"
#include "llm/http_client.h"
#include "llm/types.h"

namespace centaur {

class Provider {
 public:
  using Callback = std::function<void(Result<ChatResponse>)>;
  virtual ~Provider() = default;
  // "openai", "anthropic", or the named endpoint's name.
  virtual std::string Name() const = 0;
  virtual void Submit(ChatRequest request, Callback done) = 0;
  // Returns the number of calls not yet finished.
  virtual int Poll(int timeout_ms) = 0;
  // Transport statistics (zeros for providers without HTTP).
  virtual HttpStats Stats() const { return {}; }
  // Seconds spent computing in this process (decoding and sampling of local
  // models; 0 for remote providers).
  virtual double ComputeSeconds() const { return 0; }

  using EmbedCallback = std::function<void(Result<EmbedResponse>)>;
  // Embeds texts. Providers without embeddings report an error saying so.
  virtual void Embed(EmbedRequest request, EmbedCallback done) {
    done(MakeError(ErrorCode::kInvalidArgument,
                   "provider \"" + Name() + "\" does not support embeddings (model \"" +
                       request.model + "\")"));
  }
};

// "provider:model" split at the first colon. "gpt-4o" alone is an error.
struct ModelRef {
  std::string provider;
  std::string model;
  std::string ToString() const { return provider + ":" + model; }
};
Result<ModelRef> ParseModelRef(const std::string& text);

// How to reach a provider. Built from the environment and centaur.yaml.
struct EndpointConfig {
  std::string name;       // "openai", "anthropic", or a named endpoint ("vllm")
  std::string kind;       // "openai" (chat completions) or "anthropic" (messages)
  std::string base_url;   // e.g. "https://api.openai.com/v1" (no trailing slash)
  std::string api_key;    // may be empty for local servers; never logged
  // OpenAI-compatible servers without json_schema support: use a forced tool
  // call from the start instead of discovering it from a 400.
  bool force_tool_call = false;
};

// Resolves the endpoint for `provider`: a named endpoint from `config`
// (centaur.yaml's `endpoints:` map, may be null) first, then the built-ins
// "openai" (OPENAI_BASE_URL, default https://api.openai.com/v1; OPENAI_API_KEY)
// and "anthropic" (ANTHROPIC_BASE_URL, default https://api.anthropic.com;
// ANTHROPIC_API_KEY). Registers the key with RegisterSecret(). A missing key
// for a hosted endpoint is an error that names the variable to set.
Result<EndpointConfig> ResolveEndpoint(const std::string& provider, const Json& config);

// Creates the provider for an endpoint; `http` must outlive it.
Result<std::unique_ptr<Provider>> NewHttpProvider(const EndpointConfig& endpoint,
                                                  HttpClient* http);

}  // namespace centaur
