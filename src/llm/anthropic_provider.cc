// Anthropic messages API (POST {base_url}/v1/messages).
//
// System messages go to the top-level `system` string; user and assistant
// turns, merged where consecutive turns share a role (the API requires them
// to alternate), to `messages`. Structured output is a forced tool call; the
// tool_use block's input, dumped with its keys in the order the model wrote
// them, is the output text. Anthropic has no seed: params.seed is not sent.
#include <optional>
#include <string>
#include <utility>

#include "llm/openai_provider.h"

namespace centaur {
namespace {

namespace pi = provider_internal;
using pi::Field;
using pi::IntField;
using pi::OJson;
using pi::StringField;

constexpr char kAnthropicVersion[] = "2023-06-01";
constexpr char kTurnSeparator[] = "\n\n";

class AnthropicProvider : public HttpProvider {
 public:
  using HttpProvider::HttpProvider;

 protected:
  HttpRequest BuildHttp(const ChatRequest& request, bool /*tool_call*/) const override {
    HttpRequest http;
    http.url = endpoint().base_url + "/v1/messages";
    if (!endpoint().api_key.empty()) http.headers.push_back("x-api-key: " + endpoint().api_key);
    http.headers.push_back(std::string("anthropic-version: ") + kAnthropicVersion);
    http.headers.push_back("content-type: application/json");

    std::string system;
    OJson messages = OJson::array();
    for (const ChatMessage& m : request.messages) {
      if (m.role == "system") {
        system += (system.empty() ? "" : kTurnSeparator) + m.content;
      } else if (!messages.empty() && messages.back()["role"] == m.role) {
        messages.back()["content"] =
            messages.back()["content"].get<std::string>() + kTurnSeparator + m.content;
      } else {
        messages.push_back({{"role", m.role}, {"content", m.content}});
      }
    }
    OJson body = {{"model", request.model}};
    if (!system.empty()) body["system"] = system;
    body["messages"] = std::move(messages);
    body["max_tokens"] = request.params.max_tokens;
    body["temperature"] = request.params.temperature;
    if (request.schema) {
      std::string name = pi::ToolName(request.schema_name);
      body["tools"] = OJson::array({{{"name", name},
                                     {"description", pi::kToolDescription},
                                     {"input_schema", request.schema->json}}});
      body["tool_choice"] = {{"type", "tool"}, {"name", name}};
    }
    http.body = body.dump(-1, ' ', false, OJson::error_handler_t::replace);
    return http;
  }

  Result<ChatResponse> ParseBody(const std::string& raw, bool /*tool_call*/) const override {
    OJson body = OJson::parse(raw, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) return pi::MalformedBody(Name(), "not JSON");
    const OJson* content = Field(body, "content");
    if (content == nullptr || !content->is_array()) {
      const OJson* error = Field(body, "error");
      std::string why = error == nullptr ? "" : StringField(*error, "message");
      return pi::MalformedBody(
          Name(), why.empty() ? "no content array" : "no content array (error: " + why + ")");
    }
    ChatResponse r;
    std::optional<std::string> tool_input;
    for (const OJson& block : *content) {
      std::string type = StringField(block, "type");
      if (type == "text") {
        r.text += StringField(block, "text");
      } else if (type == "tool_use" && !tool_input.has_value()) {
        const OJson* input = Field(block, "input");
        if (input == nullptr) return pi::MalformedBody(Name(), "tool_use block without input");
        tool_input = input->dump(-1, ' ', false, OJson::error_handler_t::replace);
      }
    }
    // A model that answered in prose instead of calling the tool gets its
    // prose back, for the engine to reject and re-ask.
    if (tool_input.has_value()) r.text = std::move(*tool_input);
    r.finish_reason = StringField(body, "stop_reason");
    if (const OJson* usage = Field(body, "usage")) {
      r.usage.input_tokens = IntField(*usage, "input_tokens");
      r.usage.output_tokens = IntField(*usage, "output_tokens");
    }
    return r;
  }
};

}  // namespace

std::unique_ptr<Provider> NewAnthropicProvider(const EndpointConfig& endpoint, HttpClient* http) {
  return std::make_unique<AnthropicProvider>(endpoint, http);
}

}  // namespace centaur
