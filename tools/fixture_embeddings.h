// POST /v1/embeddings in OpenAI's wire format, for the fixture server.
//
// Each input gets kEmbeddingDims numbers in [-1, 1] from a hash of its text
// (deterministic, deliberately not unit length, so clients must normalize).
// `data` lists the items in reverse order, each with its index, so clients
// must place them by index. usage.prompt_tokens counts ceil(code points / 4)
// per input.
//
// The first input containing "!fault:KIND[xN]" carries the directive, as a
// user message does for chat: 429/500/503/529, reset, timeout and truncated
// behave as for chat; malformed sends a body that is not JSON; invalid and
// badjson send well-formed JSON whose data[0].embedding is a string.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fixture_openai.h"
#include "fixture_state.h"

namespace fixture {

constexpr int kEmbeddingDims = 16;

inline OJson EmbeddingOf(const std::string& text) {
  OJson v = OJson::array();
  for (int d = 0; d < kEmbeddingDims; ++d) {
    uint64_t h = Fnv1a(text + "#" + std::to_string(d));
    v.push_back(static_cast<double>(h % 2001) / 1000.0 - 1.0);
  }
  return v;
}

inline Reply HandleEmbeddings(State& state, const Request& req) {
  OJson body;
  if (std::optional<Reply> error = CheckOpenAIRequest(state, req, &body)) return *error;
  const Reply bad_input = OpenAIError(400, "'input' must be a non-empty string or array of strings",
                                      "invalid_request_error");
  std::vector<std::string> inputs;
  const OJson input = body.value("input", OJson());
  if (input.is_string()) {
    inputs.push_back(input.get<std::string>());
  } else if (input.is_array()) {
    for (const auto& i : input) {
      if (!i.is_string()) return bad_input;
      inputs.push_back(i.get<std::string>());
    }
  }
  if (inputs.empty()) return bad_input;

  Directive d;
  for (const std::string& text : inputs) {
    d = ParseDirective(text);
    if (d.fault != Fault::kNone) break;
  }
  Fault f = Fault::kNone;
  if (std::optional<Reply> instead = ApplyOpenAIDirective(state, d, "{\"data\": [", &f)) {
    return *instead;
  }

  OJson data = OJson::array();
  int64_t tokens = 0;
  for (size_t i = inputs.size(); i-- > 0;) {
    OJson embedding = EmbeddingOf(inputs[i]);
    if ((f == Fault::kInvalid || f == Fault::kBadJson) && i == 0) embedding = "AAAA";
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
    tokens += TokensOf(Utf8Length(inputs[i]));
  }
  Reply r = JsonReply(200, {{"object", "list"},
                            {"data", std::move(data)},
                            {"model", body["model"]},
                            {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
  r.response.headers.push_back({"x-request-id", "req_fixture_" + std::to_string(state.NextId())});
  r.delivery = DeliveryOf(f);
  return r;
}

}  // namespace fixture
