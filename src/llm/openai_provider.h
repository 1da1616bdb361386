// Internals of the HTTP providers: the OpenAI-compatible one (the wire format
// most servers speak: OpenAI, vLLM, llama.cpp server, Ollama) and Anthropic's,
// which share the plumbing below. Not part of the llm layer's interface:
// callers use NewHttpProvider() from provider.h. Exposed for the tests.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/json.h"
#include "core/result.h"
#include "llm/http_client.h"
#include "llm/provider.h"
#include "llm/types.h"

namespace centaur {

std::unique_ptr<Provider> NewOpenAIProvider(const EndpointConfig& endpoint, HttpClient* http);
std::unique_ptr<Provider> NewAnthropicProvider(const EndpointConfig& endpoint, HttpClient* http);

// The common half of both providers: bookkeeping of unfinished calls, the
// forced-tool-call mode, errors. Subclasses supply the wire format. Callbacks
// of calls still in the HttpClient when the provider is destroyed never run.
class HttpProvider : public Provider {
 public:
  HttpProvider(EndpointConfig endpoint, HttpClient* http);
  std::string Name() const override { return endpoint_.name; }
  void Submit(ChatRequest request, Callback done) override;
  int Poll(int timeout_ms) override;
  HttpStats Stats() const override { return http_->Stats(); }

 protected:
  // The HTTP request for `request`; `tool_call` asks for the schema through a
  // forced tool call (only when the request has a schema).
  virtual HttpRequest BuildHttp(const ChatRequest& request, bool tool_call) const = 0;
  // Text, usage and finish reason of a 2xx answer; kParse when malformed.
  virtual Result<ChatResponse> ParseBody(const std::string& body, bool tool_call) const = 0;
  // True when `error` says the server lacks the native structured-output
  // mechanism, so the call is resent (and later calls sent) as a tool call.
  virtual bool ShouldFallBackToToolCall(const Error&) const { return false; }

  const EndpointConfig& endpoint() const { return endpoint_; }
  bool tool_call_mode() const { return tool_call_mode_; }

  // Sends a request other than a chat call (embeddings) through the same
  // HttpClient, so the same retries apply; Poll counts it until `done` runs.
  // `done` gets the 2xx response or ProviderError(Name(), ...); it never runs
  // once the provider is destroyed.
  using HttpCallback = std::function<void(Result<HttpResponse>)>;
  void SubmitHttp(HttpRequest http, HttpCallback done);

 private:
  void Send(std::shared_ptr<const ChatRequest> request, Callback done, int prior_tries);
  void Finish(Callback done, Result<ChatResponse> result);

  EndpointConfig endpoint_;
  HttpClient* http_;
  bool tool_call_mode_;
  int pending_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // callbacks hold a weak_ptr
};

namespace provider_internal {

constexpr char kToolDescription[] = "Return the output";

// Wire bodies keep their keys in order: requests read naturally, and a tool
// call's arguments come back in the order the model wrote them.
using OJson = nlohmann::ordered_json;

// Members of a parsed body; nullptr / 0 / "" when absent or of another type.
inline const OJson* Field(const OJson& o, const char* key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}
inline int64_t IntField(const OJson& o, const char* key) {
  const OJson* v = Field(o, key);
  return v != nullptr && v->is_number() ? v->get<int64_t>() : 0;
}
inline std::string StringField(const OJson& o, const char* key) {
  const OJson* v = Field(o, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}

// A tool/schema name both APIs accept: [a-zA-Z0-9_-]{1,64}; other bytes
// become '_', an empty name "output".
std::string ToolName(const std::string& schema_name);

// Total message characters / 4 + max_tokens, for the tokens-per-minute limit.
int64_t EstimatedTokens(const ChatRequest& request);

// The provider's own message in the body quoted by an HttpClient error
// ("... HTTP 401: {\"error\": {\"message\": ...}}"); empty when none.
std::string ProviderMessage(const Error& http_error);

// The error handed to a provider callback: "NAME: HTTP 401: <provider's
// message>" when the body has one, else "NAME: <transport message>"; same
// code and status, secrets redacted.
Error ProviderError(const std::string& name, const Error& http_error);

// kParse "NAME: malformed response body: <reason>".
Error MalformedBody(const std::string& name, const std::string& reason);

// The vectors of an OpenAI embeddings body ({"data": [{"index",
// "embedding"}], "usage": {"prompt_tokens"}}) for `inputs` inputs, ordered
// by index and L2-normalized; MalformedBody errors naming what is wrong.
Result<EmbedResponse> ParseOpenAIEmbeddings(const std::string& name, const std::string& body,
                                            size_t inputs);

// True when `schema` follows OpenAI strict mode's rules: the root is an
// object; every object has additionalProperties: false and lists all its
// properties in `required`; every subschema has a `type` (or is an
// anyOf/$ref); only keywords strict mode supports appear.
bool MeetsOpenAIStrictRules(const Json& schema);

}  // namespace provider_internal
}  // namespace centaur
