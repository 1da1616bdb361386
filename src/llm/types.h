// Provider-neutral request and response types for one chat call.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"

namespace centaur {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

struct SamplingParams {
  static constexpr double kDefaultTemperature = 0.0;
  static constexpr int kDefaultMaxTokens = 400;
  double temperature = kDefaultTemperature;
  int max_tokens = kDefaultMaxTokens;
  std::optional<int64_t> seed;
};

// An output JSON Schema as providers send it: keys in the task file's order
// (models write properties in schema order, so thoughts come before the
// answer) and its compact text, computed once. Immutable; one task's
// requests share one.
struct WireSchema {
  explicit WireSchema(OrderedJson schema) : json(std::move(schema)), text(json.dump()) {}
  OrderedJson json;
  std::string text;
};

struct ChatRequest {
  std::string model;  // the provider's own model name (no "provider:" prefix)
  std::vector<ChatMessage> messages;
  std::shared_ptr<const WireSchema> schema;  // null for free text
  std::string schema_name = "output";
  SamplingParams params;
  // Distinguishes repeated samples of the same request (cache key only).
  int sample_index = 0;
  // Jinja chat template overriding the model's own (local models only; the
  // task's `chat_template:`). Empty: the model's.
  std::string chat_template;
};

// Canonical text of a request, deterministic JSON: {"messages", "model",
// "params", "sample_index", "schema" (in wire order), "schema_name", and
// "chat_template" when set}. The
// content of the cache key and of the stored trace. Holds no secrets (keys
// travel only in HTTP headers). Invalid UTF-8 in messages becomes U+FFFD.
std::string ChatRequestText(const ChatRequest& request);

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

struct ChatResponse {
  std::string text;  // the structured output as JSON text, or free text
  Usage usage;
  std::string finish_reason;  // "stop", "length", "tool_use", ...
  double latency_ms = 0;      // wall time of the successful HTTP exchange
  int http_attempts = 1;      // transport-level tries (retries included)
  std::string raw_body;       // provider's response body, for the trace
};

// Text embeddings: one vector per input, in order.
struct EmbedRequest {
  std::string model;  // the provider's own model name
  std::vector<std::string> inputs;
};

struct EmbedResponse {
  std::vector<std::vector<float>> vectors;  // L2-normalized
  Usage usage;                              // input_tokens only
  double latency_ms = 0;
};

// Scales `v` to unit length. false (and `v` unchanged) when its length is
// zero or not finite.
bool L2Normalize(std::vector<float>* v);

}  // namespace centaur
