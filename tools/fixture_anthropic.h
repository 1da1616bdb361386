// POST /v1/messages in Anthropic's wire format, for the fixture server.
#pragma once

#include <string>

#include "fixture_openai.h"
#include "fixture_state.h"

namespace fixture {

inline Reply AnthropicError(int status, const std::string& type, const std::string& message) {
  return JsonReply(status, {{"type", "error"}, {"error", {{"type", type}, {"message", message}}}});
}

inline Reply AnthropicFaultReply(Fault f) {
  switch (f) {
    case Fault::k429: {
      Reply r = AnthropicError(429, "rate_limit_error",
                               "Number of requests has exceeded your rate limit (fixture fault)");
      r.response.headers.push_back({"retry-after", "1"});
      return r;
    }
    case Fault::k500:
      return AnthropicError(500, "api_error", "Internal server error");
    case Fault::k503:
      return AnthropicError(503, "api_error", "Service unavailable");
    default:
      return AnthropicError(529, "overloaded_error", "Overloaded");
  }
}

inline Reply HandleMessages(State& state, const Request& req) {
  const Options& opt = state.options();
  std::string key = req.Header("x-api-key");
  if (key.empty())
    return AnthropicError(401, "authentication_error", "x-api-key header is required");
  if (!opt.require_key.empty() && key != opt.require_key) {
    return AnthropicError(401, "authentication_error", "invalid x-api-key");
  }
  if (req.Header("anthropic-version").empty()) {
    return AnthropicError(400, "invalid_request_error", "anthropic-version: header is required");
  }
  OJson body = OJson::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return AnthropicError(400, "invalid_request_error", "There was an error parsing the body");
  }
  if (!body.contains("model") || !body["model"].is_string()) {
    return AnthropicError(400, "invalid_request_error", "model: Field required");
  }
  if (!body.contains("max_tokens") || !body["max_tokens"].is_number_integer()) {
    return AnthropicError(400, "invalid_request_error", "max_tokens: Field required");
  }
  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty()) {
    return AnthropicError(400, "invalid_request_error",
                          "messages: at least one message is required");
  }
  const OJson& messages = body["messages"];
  const OJson tools = body.value("tools", OJson::array());
  const OJson choice = body.value("tool_choice", OJson::object());
  std::string choice_type = choice.is_object() ? choice.value("type", "auto") : "auto";
  const OJson* tool = nullptr;
  if (tools.is_array() && !tools.empty() && choice_type != "none") {
    if (choice_type == "tool") {
      std::string want = choice.value("name", "");
      for (const auto& t : tools) {
        if (t.is_object() && t.value("name", "") == want) tool = &t;
      }
      if (tool == nullptr) {
        return AnthropicError(400, "invalid_request_error",
                              "tool_choice.name: tool '" + want + "' not found in tools");
      }
    } else {
      tool = &tools[0];
    }
  }

  Directive d = FindDirective(messages);
  if (d.fault == Fault::kUnknown) {
    return AnthropicError(400, "invalid_request_error",
                          "unknown fixture fault kind '" + d.kind + "'");
  }
  Fault f = state.Apply(d);
  if (f == Fault::k429 || f == Fault::k500 || f == Fault::k503 || f == Fault::k529) {
    return AnthropicFaultReply(f);
  }
  if (f == Fault::kMalformed) {
    Reply r;
    r.response.body = "{\"type\": \"message\", \"content\": [";
    return r;
  }

  std::string last_user = LastUserText(messages);
  int64_t id = state.NextId();
  OJson content = OJson::array();
  std::string output;
  std::string stop = "end_turn";
  if (tool != nullptr && f != Fault::kBadJson) {
    const OJson& schema = (*tool).value("input_schema", OJson::object());
    OJson input = OutputGenerator(schema, last_user).Generate();
    if (f == Fault::kInvalid) MakeInvalid(schema, &input);
    if (!input.is_object()) input = OJson::object();  // the protocol requires an object
    output = input.dump();
    content.push_back({{"type", "tool_use"},
                       {"id", "toolu_fixture_" + std::to_string(id)},
                       {"name", (*tool).value("name", "")},
                       {"input", input}});
    stop = "tool_use";
  } else {
    // badjson with a tool: the model answers in prose instead of calling it.
    output = f == Fault::kBadJson ? "I think the answer is refund" : PlainReply(last_user);
    content.push_back({{"type", "text"}, {"text", output}});
  }
  size_t prompt_chars = PromptChars(messages);
  if (body.contains("system")) prompt_chars += Utf8Length(ContentText(body["system"]));
  Reply r = JsonReply(200, {{"id", "msg_fixture_" + std::to_string(id)},
                            {"type", "message"},
                            {"role", "assistant"},
                            {"model", body["model"]},
                            {"content", content},
                            {"stop_reason", stop},
                            {"stop_sequence", nullptr},
                            {"usage",
                             {{"input_tokens", TokensOf(prompt_chars)},
                              {"output_tokens", TokensOf(Utf8Length(output))}}}});
  r.response.headers.push_back({"request-id", "req_fixture_" + std::to_string(id)});
  r.delivery = DeliveryOf(f);
  return r;
}

}  // namespace fixture
