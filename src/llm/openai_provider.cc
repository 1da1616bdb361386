// OpenAI chat completions, as spoken by OpenAI, vLLM, llama.cpp server, Ollama.
//
// Structured output: response_format json_schema. OpenAI's strict mode
// rejects schemas outside its subset (every object closed with
// additionalProperties: false, every property required, a type on every
// subschema, a limited set of keywords), so a schema outside it is sent with
// strict: false — still a strong hint — instead of failing the call; the
// engine validates every output anyway. A server that answers 400 naming
// response_format / json_schema does not support it: the call is resent as a
// forced tool call, and so is every later call of this provider.
//
// Embeddings: POST /embeddings with all inputs at once; the vectors come back
// ordered by index and L2-normalized (llm/openai_embeddings.cc).
#include "llm/openai_provider.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <utility>

namespace centaur {
namespace {

namespace pi = provider_internal;
using pi::Field;
using pi::IntField;
using pi::OJson;
using pi::StringField;

// arguments of message.tool_calls[0].function; nullopt without a tool call.
std::optional<std::string> ToolArguments(const OJson& message) {
  const OJson* calls = Field(message, "tool_calls");
  if (calls == nullptr || !calls->is_array() || calls->empty()) return std::nullopt;
  const OJson* fn = Field((*calls)[0], "function");
  const OJson* args = fn == nullptr ? nullptr : Field(*fn, "arguments");
  if (args == nullptr) return std::nullopt;
  // Some servers send the arguments as an object rather than a JSON string.
  return args->is_string() ? args->get<std::string>()
                           : args->dump(-1, ' ', false, OJson::error_handler_t::replace);
}

class OpenAIProvider : public HttpProvider {
 public:
  using HttpProvider::HttpProvider;

  // POST {base_url}/embeddings with every input in one request.
  void Embed(EmbedRequest request, EmbedCallback done) override {
    if (request.inputs.empty()) {
      done(MakeError(ErrorCode::kInvalidArgument, Name() + ": no inputs to embed"));
      return;
    }
    HttpRequest http = Post("/embeddings");
    int64_t chars = 0;
    for (const std::string& input : request.inputs) chars += static_cast<int64_t>(input.size());
    http.estimated_tokens = chars / 4 + 1;
    OJson body = {{"model", request.model}, {"input", request.inputs}};
    http.body = body.dump(-1, ' ', false, OJson::error_handler_t::replace);
    const size_t inputs = request.inputs.size();
    SubmitHttp(std::move(http),
               [name = Name(), inputs, done = std::move(done)](Result<HttpResponse> r) {
                 if (!r.ok()) {
                   done(r.error());
                   return;
                 }
                 Result<EmbedResponse> parsed = pi::ParseOpenAIEmbeddings(name, r->body, inputs);
                 if (parsed.ok()) parsed->latency_ms = r->latency_ms;
                 done(std::move(parsed));
               });
  }

 protected:
  HttpRequest Post(const std::string& path) const {
    HttpRequest http;
    http.url = endpoint().base_url + path;
    http.headers.push_back("Content-Type: application/json");
    if (!endpoint().api_key.empty()) {
      http.headers.push_back("Authorization: Bearer " + endpoint().api_key);
    }
    return http;
  }

  HttpRequest BuildHttp(const ChatRequest& request, bool tool_call) const override {
    HttpRequest http = Post("/chat/completions");
    OJson messages = OJson::array();
    for (const ChatMessage& m : request.messages) {
      messages.push_back({{"role", m.role}, {"content", m.content}});
    }
    OJson body = {{"model", request.model},
                  {"messages", std::move(messages)},
                  {"temperature", request.params.temperature},
                  // max_tokens, not max_completion_tokens: vLLM, llama.cpp and
                  // Ollama all take it.
                  {"max_tokens", request.params.max_tokens}};
    if (request.params.seed.has_value()) body["seed"] = *request.params.seed;
    if (request.schema) {
      std::string name = pi::ToolName(request.schema_name);
      if (tool_call) {
        body["tools"] = OJson::array({{{"type", "function"},
                                       {"function",
                                        {{"name", name},
                                         {"description", pi::kToolDescription},
                                         {"parameters", request.schema->json}}}}});
        body["tool_choice"] = {{"type", "function"}, {"function", {{"name", name}}}};
      } else {
        body["response_format"] = {
            {"type", "json_schema"},
            {"json_schema",
             {{"name", name},
              {"strict", pi::MeetsOpenAIStrictRules(Json(request.schema->json))},
              {"schema", request.schema->json}}}};
      }
    }
    http.body = body.dump(-1, ' ', false, OJson::error_handler_t::replace);
    return http;
  }

  Result<ChatResponse> ParseBody(const std::string& raw, bool tool_call) const override {
    OJson body = OJson::parse(raw, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) return pi::MalformedBody(Name(), "not JSON");
    const OJson* choices = Field(body, "choices");
    const OJson* message = choices != nullptr && choices->is_array() && !choices->empty()
                               ? Field((*choices)[0], "message")
                               : nullptr;
    if (message == nullptr || !message->is_object()) {
      const OJson* error = Field(body, "error");
      std::string why = error == nullptr     ? ""
                        : error->is_string() ? error->get<std::string>()
                                             : StringField(*error, "message");
      return pi::MalformedBody(Name(), why.empty() ? "no choices[0].message"
                                                   : "no choices[0].message (error: " + why + ")");
    }
    ChatResponse r;
    std::optional<std::string> args = ToolArguments(*message);
    std::string content = StringField(*message, "content");
    if (tool_call && args.has_value()) {
      r.text = *args;
    } else if (!content.empty() || !args.has_value()) {
      r.text = content.empty() ? StringField(*message, "refusal") : content;
    } else {
      r.text = *args;
    }
    r.finish_reason = StringField((*choices)[0], "finish_reason");
    if (const OJson* usage = Field(body, "usage")) {
      r.usage.input_tokens = IntField(*usage, "prompt_tokens");
      r.usage.output_tokens = IntField(*usage, "completion_tokens");
    }
    return r;
  }

  bool ShouldFallBackToToolCall(const Error& error) const override {
    constexpr int kBadRequest = 400;
    constexpr int kUnprocessable = 422;  // FastAPI-based servers
    if (error.code != ErrorCode::kHttp ||
        (error.http_status != kBadRequest && error.http_status != kUnprocessable)) {
      return false;
    }
    std::string text = error.message;
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text.find("response_format") != std::string::npos ||
           text.find("json_schema") != std::string::npos;
  }
};

const std::set<std::string>& StrictKeywords() {
  static const auto* keywords = new std::set<std::string>{"type",
                                                          "properties",
                                                          "required",
                                                          "additionalProperties",
                                                          "items",
                                                          "enum",
                                                          "const",
                                                          "anyOf",
                                                          "$ref",
                                                          "$defs",
                                                          "definitions",
                                                          "description",
                                                          "title",
                                                          "pattern",
                                                          "format",
                                                          "minimum",
                                                          "maximum",
                                                          "exclusiveMinimum",
                                                          "exclusiveMaximum",
                                                          "multipleOf",
                                                          "minItems",
                                                          "maxItems"};
  return *keywords;
}

bool HasType(const Json& type, const std::string& name) {
  if (type.is_string()) return type == name;
  if (!type.is_array()) return false;
  return std::any_of(type.begin(), type.end(), [&](const Json& t) { return t == name; });
}

bool StrictSubschema(const Json& s, bool root) {
  if (!s.is_object()) return false;
  for (const auto& [key, value] : s.items()) {
    if (!StrictKeywords().contains(key)) return false;
  }
  for (const char* defs : {"$defs", "definitions"}) {
    if (!s.contains(defs)) continue;
    if (!s[defs].is_object()) return false;
    for (const auto& [name, sub] : s[defs].items()) {
      if (!StrictSubschema(sub, false)) return false;
    }
  }
  if (s.contains("$ref")) return !root;
  if (s.contains("anyOf")) {
    if (root || !s["anyOf"].is_array() || s["anyOf"].empty()) return false;
    return std::all_of(s["anyOf"].begin(), s["anyOf"].end(),
                       [](const Json& sub) { return StrictSubschema(sub, false); });
  }
  if (!s.contains("type")) return false;
  const Json& type = s["type"];
  if (root && type != "object") return false;
  if (HasType(type, "object") || s.contains("properties")) {
    if (!s.contains("additionalProperties") || s["additionalProperties"] != false) return false;
    const Json properties = s.value("properties", Json::object());
    const Json required = s.value("required", Json::array());
    if (!properties.is_object() || !required.is_array()) return false;
    std::set<std::string> names;
    for (const Json& r : required) {
      if (!r.is_string() || !properties.contains(r.get<std::string>())) return false;
      names.insert(r.get<std::string>());
    }
    if (names.size() != properties.size()) return false;
    for (const auto& [name, sub] : properties.items()) {
      if (!StrictSubschema(sub, false)) return false;
    }
  }
  if (s.contains("items") && !StrictSubschema(s["items"], false)) return false;
  return true;
}

}  // namespace

namespace provider_internal {

bool MeetsOpenAIStrictRules(const Json& schema) { return StrictSubschema(schema, true); }

}  // namespace provider_internal

std::unique_ptr<Provider> NewOpenAIProvider(const EndpointConfig& endpoint, HttpClient* http) {
  return std::make_unique<OpenAIProvider>(endpoint, http);
}

}  // namespace centaur
