// POST /v1/chat/completions in OpenAI's wire format, for the fixture server.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "fixture_state.h"

namespace fixture {

inline int64_t UnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline Reply JsonReply(int status, const OJson& body) {
  Reply r;
  r.response.status = status;
  r.response.body = body.dump();
  return r;
}

inline Reply OpenAIError(int status, const std::string& message, const std::string& type,
                         const OJson& code = nullptr) {
  return JsonReply(
      status,
      {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}});
}

// The protocol's answer to an HTTP-status fault (429, 500, 503, 529).
inline Reply OpenAIFaultReply(Fault f) {
  switch (f) {
    case Fault::k429: {
      Reply r = OpenAIError(429, "Rate limit reached for requests (fixture fault)", "requests",
                            "rate_limit_exceeded");
      r.response.headers.push_back({"retry-after", "1"});
      return r;
    }
    case Fault::k500:
      return OpenAIError(500,
                         "The server had an error while processing your request. Sorry about that!",
                         "server_error");
    case Fault::k503:
      return OpenAIError(503, "The server is overloaded or not ready yet.", "server_error");
    default:
      return OpenAIError(529, "The server is overloaded (fixture fault).", "server_error");
  }
}

// Checks the API key, parses the body into *body and checks that it names a
// model: the error reply when any of that fails, else nullopt.
inline std::optional<Reply> CheckOpenAIRequest(const State& state, const Request& req,
                                               OJson* body) {
  const Options& opt = state.options();
  if (!opt.require_key.empty() && req.Header("authorization") != "Bearer " + opt.require_key) {
    return OpenAIError(401, "Incorrect API key provided", "invalid_request_error",
                       "invalid_api_key");
  }
  *body = OJson::parse(req.body, nullptr, false);
  if (body->is_discarded() || !body->is_object()) {
    return OpenAIError(400, "We could not parse the JSON body of your request.",
                       "invalid_request_error");
  }
  if (!body->contains("model") || !(*body)["model"].is_string()) {
    return OpenAIError(400, "you must provide a model parameter", "invalid_request_error");
  }
  return std::nullopt;
}

// Counts directive `d` against the state. Returns the reply that stands in
// for the answer (an unknown fault kind, an HTTP-status fault, or malformed:
// `malformed_body`, a cut-off JSON body); else nullopt, with the fault the
// answer itself must show (or kNone) in *f.
inline std::optional<Reply> ApplyOpenAIDirective(State& state, const Directive& d,
                                                 const std::string& malformed_body, Fault* f) {
  if (d.fault == Fault::kUnknown) {
    return OpenAIError(400, "unknown fixture fault kind '" + d.kind + "'", "invalid_request_error");
  }
  *f = state.Apply(d);
  if (*f == Fault::k429 || *f == Fault::k500 || *f == Fault::k503 || *f == Fault::k529) {
    return OpenAIFaultReply(*f);
  }
  if (*f == Fault::kMalformed) {
    Reply r;
    r.response.body = malformed_body;
    return r;
  }
  return std::nullopt;
}

inline std::string LastUserText(const OJson& messages) {
  std::string last;
  if (!messages.is_array()) return last;
  for (const auto& m : messages) {
    if (m.is_object() && m.value("role", "") == "user" && m.contains("content")) {
      last = ContentText(m["content"]);
    }
  }
  return last;
}

inline size_t PromptChars(const OJson& messages) {
  size_t n = 0;
  if (!messages.is_array()) return n;
  for (const auto& m : messages) {
    if (m.is_object() && m.contains("content")) n += Utf8Length(ContentText(m["content"]));
  }
  return n;
}

inline std::string PlainReply(const std::string& last_user) {
  return "fixture reply: " + Utf8Prefix(last_user, kThoughtsPrefixChars);
}

// Output for a schema, with the `invalid` / `badjson` faults applied.
inline std::string SchemaOutput(const OJson& schema, const std::string& last_user, Fault f) {
  if (f == Fault::kBadJson) return "I think the answer is refund";
  OJson out = OutputGenerator(schema, last_user).Generate();
  if (f == Fault::kInvalid) MakeInvalid(schema, &out);
  return out.dump();
}

inline Reply HandleChatCompletions(State& state, const Request& req) {
  OJson body;
  if (std::optional<Reply> error = CheckOpenAIRequest(state, req, &body)) return *error;
  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty()) {
    return OpenAIError(400, "'messages' must be a non-empty array", "invalid_request_error");
  }
  const OJson& messages = body["messages"];
  OJson format = body.value("response_format", OJson::object());
  std::string format_type = format.is_object() ? format.value("type", "") : "";
  if (format_type == "json_schema" && !state.options().json_schema) {
    return OpenAIError(400, "response_format type json_schema is not supported by this server",
                       "invalid_request_error");
  }
  // Which tool, if any, the answer calls.
  const OJson tools = body.value("tools", OJson::array());
  const OJson choice = body.value("tool_choice", OJson());
  const OJson* tool = nullptr;
  bool have_tools = tools.is_array() && !tools.empty();
  if (choice.is_object()) {
    std::string want = choice.contains("function") && choice["function"].is_object()
                           ? choice["function"].value("name", "")
                           : "";
    for (size_t i = 0; have_tools && i < tools.size(); ++i) {
      const OJson& t = tools[i];
      if (t.is_object() && t.contains("function") && t["function"].is_object() &&
          t["function"].value("name", "") == want) {
        tool = &t;
      }
    }
    if (tool == nullptr) {
      return OpenAIError(400, "tool_choice names a function that is not in tools",
                         "invalid_request_error");
    }
  } else if (have_tools && choice != "none" &&
             (choice == "required" || format_type != "json_schema")) {
    tool = &tools[0];
  }

  Fault f = Fault::kNone;
  if (std::optional<Reply> instead =
          ApplyOpenAIDirective(state, FindDirective(messages), "{\"choices\": [", &f)) {
    return *instead;
  }

  std::string last_user = LastUserText(messages);
  int64_t id = state.NextId();
  OJson message = {{"role", "assistant"}, {"content", nullptr}};
  std::string output;
  std::string finish = "stop";
  if (tool != nullptr) {
    const OJson& fn = (*tool)["function"];
    output = SchemaOutput(fn.value("parameters", OJson::object()), last_user, f);
    message["tool_calls"] =
        OJson::array({{{"id", "call_fixture_" + std::to_string(id)},
                       {"type", "function"},
                       {"function", {{"name", fn.value("name", "")}, {"arguments", output}}}}});
    finish = "tool_calls";
  } else if (format_type == "json_schema") {
    OJson spec = format.value("json_schema", OJson::object());
    output = SchemaOutput(
        spec.is_object() ? spec.value("schema", OJson::object()) : OJson::object(), last_user, f);
    message["content"] = output;
  } else if (format_type == "json_object") {
    output = f == Fault::kBadJson ? "I think the answer is refund" : "{}";
    message["content"] = output;
  } else {
    output = f == Fault::kBadJson ? "I think the answer is refund" : PlainReply(last_user);
    message["content"] = output;
  }
  message["refusal"] = nullptr;
  int64_t p = TokensOf(PromptChars(messages));
  int64_t c = TokensOf(Utf8Length(output));
  Reply r = JsonReply(
      200,
      {{"id", "chatcmpl-fixture-" + std::to_string(id)},
       {"object", "chat.completion"},
       {"created", UnixSeconds()},
       {"model", body["model"]},
       {"choices", OJson::array({{{"index", 0}, {"message", message}, {"finish_reason", finish}}})},
       {"usage", {{"prompt_tokens", p}, {"completion_tokens", c}, {"total_tokens", p + c}}}});
  r.response.headers.push_back({"x-request-id", "req_fixture_" + std::to_string(id)});
  r.delivery = DeliveryOf(f);
  return r;
}

}  // namespace fixture
