#include "llm/provider.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/secrets.h"
#include "fake_http_client.h"
#include "fixture_server.h"
#include "llm/openai_provider.h"
#include "llm/types.h"

namespace centaur {
namespace {

constexpr char kKey[] = "sk-test-provider-key-0123456789";

const Json kStrictSchema = Json::parse(R"({
  "type": "object",
  "properties": {"label": {"type": "string", "enum": ["a", "b"]}},
  "required": ["label"],
  "additionalProperties": false})");
const char kStrictSchemaDump[] =
    R"({"additionalProperties":false,"properties":{"label":{"enum":["a","b"],"type":"string"}},)"
    R"("required":["label"],"type":"object"})";

ChatRequest SchemaRequest() {
  ChatRequest r;
  r.model = "gpt-4o-mini-2024-07-18";
  r.messages = {{"system", "Classify."}, {"user", "Card lost"}};
  r.schema = std::make_shared<const WireSchema>(OrderedJson::parse(kStrictSchema.dump()));
  r.schema_name = "intent";
  r.params.max_tokens = 100;
  r.params.seed = 7;
  return r;
}

EndpointConfig OpenAIEndpoint(std::string key = kKey) {
  return EndpointConfig{"openai", "openai", "https://api.openai.com/v1", std::move(key), false};
}

EndpointConfig AnthropicEndpoint() {
  return EndpointConfig{"anthropic", "anthropic", "https://api.anthropic.com", kKey, false};
}

std::unique_ptr<Provider> MakeProvider(const EndpointConfig& e, HttpClient* http) {
  Result<std::unique_ptr<Provider>> p = NewHttpProvider(e, http);
  EXPECT_TRUE(p.ok()) << p.error().message;
  return std::move(p).value();
}

// Submits one request and polls until its callback ran (or 30 s passed).
Result<ChatResponse> Call(Provider* p, ChatRequest request) {
  std::optional<Result<ChatResponse>> out;
  p->Submit(std::move(request), [&](Result<ChatResponse> r) { out.emplace(std::move(r)); });
  constexpr auto kDeadline = std::chrono::seconds(30);
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (p->Poll(50) > 0 && std::chrono::steady_clock::now() < deadline) {
  }
  if (!out.has_value()) return MakeError(ErrorCode::kInternal, "callback never ran");
  return std::move(*out);
}

const char kOpenAIContentBody[] = R"({"id": "chatcmpl-1", "choices": [{"index": 0,
  "message": {"role": "assistant", "content": "{\"label\": \"a\"}"}, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 21, "completion_tokens": 5, "total_tokens": 26}})";

const char kOpenAIToolBody[] = R"({"choices": [{"index": 0, "message": {"role": "assistant",
  "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function":
  {"name": "intent", "arguments": "{\"thoughts\": \"t\", \"label\": \"b\"}"}}]},
  "finish_reason": "tool_calls"}], "usage": {"prompt_tokens": 30, "completion_tokens": 9}})";

const char kSchemaUnsupported[] =
    R"({"error": {"message": "response_format type json_schema is not supported by this server",)"
    R"( "type": "invalid_request_error", "param": null, "code": null}})";

TEST(ProviderOpenAI, RequestBodyWithSchemaIsGolden) {
  FakeHttpClient http;
  http.PushBody(kOpenAIContentBody);
  auto p = MakeProvider(OpenAIEndpoint(), &http);
  ASSERT_TRUE(Call(p.get(), SchemaRequest()).ok());
  ASSERT_EQ(http.requests().size(), 1u);
  const HttpRequest& r = http.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://api.openai.com/v1/chat/completions");
  EXPECT_EQ(r.headers, (std::vector<std::string>{"Content-Type: application/json",
                                                 std::string("Authorization: Bearer ") + kKey}));
  EXPECT_EQ(r.body,
            std::string(R"({"model":"gpt-4o-mini-2024-07-18","messages":[)"
                        R"({"role":"system","content":"Classify."},)"
                        R"({"role":"user","content":"Card lost"}],)"
                        R"("temperature":0.0,"max_tokens":100,"seed":7,"response_format":)"
                        R"({"type":"json_schema","json_schema":{"name":"intent","strict":true,)"
                        R"("schema":)") +
                kStrictSchemaDump + "}}}");
  // (9 + 9) chars / 4 + max_tokens
  EXPECT_EQ(r.estimated_tokens, 4 + 100);
}

TEST(ProviderOpenAI, PlainRequestHasNoSeedFormatOrAuthorizationWithoutKey) {
  FakeHttpClient http;
  http.PushBody(kOpenAIContentBody);
  EndpointConfig e = OpenAIEndpoint("");
  e.base_url = "http://localhost:8000/v1";
  auto p = MakeProvider(e, &http);
  ChatRequest req;
  req.model = "qwen";
  req.messages = {{"user", "hi"}};
  req.params.temperature = 0.5;
  ASSERT_TRUE(Call(p.get(), req).ok());
  const HttpRequest& r = http.requests()[0];
  EXPECT_EQ(r.url, "http://localhost:8000/v1/chat/completions");
  EXPECT_EQ(r.headers, std::vector<std::string>{"Content-Type: application/json"});
  EXPECT_EQ(r.body, R"({"model":"qwen","messages":[{"role":"user","content":"hi"}],)"
                    R"("temperature":0.5,"max_tokens":400})");
}

TEST(ProviderOpenAI, SchemaOutsideStrictRulesIsSentWithStrictFalse) {
  FakeHttpClient http;
  http.PushBody(kOpenAIContentBody);
  auto p = MakeProvider(OpenAIEndpoint(), &http);
  ChatRequest req = SchemaRequest();
  req.schema = std::make_shared<const WireSchema>(
      OrderedJson::parse(R"({"type": "object", "properties": {"label": {"type": "string"}}})"));
  ASSERT_TRUE(Call(p.get(), req).ok());
  Json body = Json::parse(http.requests()[0].body);
  EXPECT_EQ(body["response_format"]["json_schema"]["strict"], false);
  EXPECT_EQ(body["response_format"]["json_schema"]["schema"].dump(), Json(req.schema->json).dump());
}

TEST(ProviderOpenAI, ParsesContentUsageAndTransportFacts) {
  FakeHttpClient http;
  http.Push(FakeHttpClient::Ok(kOpenAIContentBody, /*attempts=*/3));
  auto p = MakeProvider(OpenAIEndpoint(), &http);
  Result<ChatResponse> r = Call(p.get(), SchemaRequest());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, R"({"label": "a"})");
  EXPECT_EQ(r->usage.input_tokens, 21);
  EXPECT_EQ(r->usage.output_tokens, 5);
  EXPECT_EQ(r->finish_reason, "stop");
  EXPECT_EQ(r->raw_body, kOpenAIContentBody);
  EXPECT_EQ(r->latency_ms, FakeHttpClient::kLatencyMs);
  EXPECT_EQ(r->http_attempts, 3);
}

TEST(ProviderOpenAI, ForceToolCallSendsToolsAndReadsArguments) {
  FakeHttpClient http;
  http.PushBody(kOpenAIToolBody);
  EndpointConfig e = OpenAIEndpoint();
  e.force_tool_call = true;
  auto p = MakeProvider(e, &http);
  ChatRequest req = SchemaRequest();
  req.params.seed.reset();
  Result<ChatResponse> r = Call(p.get(), req);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, R"({"thoughts": "t", "label": "b"})");
  EXPECT_EQ(r->finish_reason, "tool_calls");
  EXPECT_EQ(r->usage.input_tokens, 30);
  EXPECT_EQ(http.requests()[0].body,
            std::string(R"({"model":"gpt-4o-mini-2024-07-18","messages":[)"
                        R"({"role":"system","content":"Classify."},)"
                        R"({"role":"user","content":"Card lost"}],)"
                        R"("temperature":0.0,"max_tokens":100,"tools":[{"type":"function",)"
                        R"("function":{"name":"intent","description":"Return the output",)"
                        R"("parameters":)") +
                kStrictSchemaDump +
                R"(}}],"tool_choice":{"type":"function","function":{"name":"intent"}}})");
}

TEST(ProviderOpenAI, ForceToolCallLeavesFreeTextRequestsAlone) {
  FakeHttpClient http;
  http.PushBody(kOpenAIContentBody);
  EndpointConfig e = OpenAIEndpoint();
  e.force_tool_call = true;
  auto p = MakeProvider(e, &http);
  ChatRequest req;
  req.model = "m";
  req.messages = {{"user", "hi"}};
  ASSERT_TRUE(Call(p.get(), req).ok());
  EXPECT_EQ(http.requests()[0].body.find("tools"), std::string::npos);
}

TEST(ProviderOpenAI, FallsBackToToolCallWhenJsonSchemaIsRejected) {
  FakeHttpClient http;
  http.Push(FakeHttpClient::HttpError(400, kSchemaUnsupported));
  http.PushBody(kOpenAIToolBody);
  http.PushBody(kOpenAIToolBody);
  auto p = MakeProvider(OpenAIEndpoint(), &http);
  Result<ChatResponse> r = Call(p.get(), SchemaRequest());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, R"({"thoughts": "t", "label": "b"})");
  EXPECT_EQ(r->http_attempts, 2);  // the rejected try counts
  ASSERT_EQ(http.requests().size(), 2u);
  Json first = Json::parse(http.requests()[0].body);
  Json second = Json::parse(http.requests()[1].body);
  EXPECT_TRUE(first.contains("response_format"));
  EXPECT_FALSE(second.contains("response_format"));
  EXPECT_EQ(second["tool_choice"]["function"]["name"], "intent");
  EXPECT_EQ(second["tools"][0]["function"]["parameters"], kStrictSchema);
  // Remembered: the next call goes straight to a tool call.
  ASSERT_TRUE(Call(p.get(), SchemaRequest()).ok());
  ASSERT_EQ(http.requests().size(), 3u);
  EXPECT_TRUE(Json::parse(http.requests()[2].body).contains("tools"));
}

TEST(ProviderOpenAI, OtherBadRequestsAreNotRetriedAsToolCalls) {
  FakeHttpClient http;
  http.Push(FakeHttpClient::HttpError(
      400, R"({"error": {"message": "'messages' must be a non-empty array", "type": "x"}})"));
  auto p = MakeProvider(OpenAIEndpoint(), &http);
  Result<ChatResponse> r = Call(p.get(), SchemaRequest());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "openai: HTTP 400: 'messages' must be a non-empty array");
  EXPECT_EQ(r.error().code, ErrorCode::kHttp);
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_EQ(http.requests().size(), 1u);
}

TEST(ProviderOpenAI, MalformedBodiesAreParseErrors) {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {R"({"choices": [)", "openai: malformed response body: not JSON"},
      {"", "openai: malformed response body: not JSON"},
      {"{}", "openai: malformed response body: no choices[0].message"},
      {R"({"choices": []})", "openai: malformed response body: no choices[0].message"},
      {R"({"choices": [{"message": "hi"}]})",
       "openai: malformed response body: no choices[0].message"},
      {R"({"error": {"message": "model overloaded"}})",
       "openai: malformed response body: no choices[0].message (error: model overloaded)"},
  };
  for (const Case& c : cases) {
    FakeHttpClient http;
    http.PushBody(c.body);
    auto p = MakeProvider(OpenAIEndpoint(), &http);
    Result<ChatResponse> r = Call(p.get(), SchemaRequest());
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().code, ErrorCode::kParse) << c.body;
    EXPECT_EQ(r.error().message, c.message) << c.body;
  }
}

TEST(ProviderOpenAI, ErrorsCarryTheProvidersMessageAndNeverTheKey) {
  struct Case {
    Error error;
    const char* message;
  };
  const std::string key = kKey;
  const Case cases[] = {
      {FakeHttpClient::HttpError(401, R"({"error": {"message": "Incorrect API key provided",)"
                                      R"( "type": "invalid_request_error"}})"),
       "openai: HTTP 401: Incorrect API key provided"},
      {FakeHttpClient::HttpError(
           401, R"({"error": {"message": "Incorrect API key provided: )" + key + R"("}})"),
       "openai: HTTP 401: Incorrect API key provided: [REDACTED]"},
      {Error{ErrorCode::kRateLimited,
             "POST https://api.openai.com/v1/chat/completions: HTTP 429 after 7 tries: "
             R"({"error": {"message": "Rate limit reached", "type": "requests"}})",
             429},
       "openai: HTTP 429 after 7 tries: Rate limit reached"},
      // Ollama and FastAPI shapes.
      {FakeHttpClient::HttpError(404, R"({"error": "model \"llama9\" not found"})"),
       R"(openai: HTTP 404: model "llama9" not found)"},
      {FakeHttpClient::HttpError(422, R"({"detail": "Field required"})"),
       "openai: HTTP 422: Field required"},
      // Cut short by the HTTP client: the message is still found.
      {FakeHttpClient::HttpError(400, R"({"error": {"message": "a very long expla...)"),
       "openai: HTTP 400: a very long expla..."},
      // No message in the body: the client's own text, URL included.
      {FakeHttpClient::HttpError(404, "<html>nope</html>", "http://h/v1/chat/completions"),
       "openai: POST http://h/v1/chat/completions: HTTP 404: <html>nope</html>"},
      {Error{ErrorCode::kTransport,
             "POST https://api.openai.com/v1/chat/completions: connection refused after 7 tries",
             0},
       "openai: POST https://api.openai.com/v1/chat/completions: connection refused after 7 "
       "tries"},
      {Error{ErrorCode::kTransport, "curl said " + key, 0}, "openai: curl said [REDACTED]"},
  };
  for (const Case& c : cases) {
    FakeHttpClient http;
    http.Push(c.error);
    auto p = MakeProvider(OpenAIEndpoint(), &http);
    Result<ChatResponse> r = Call(p.get(), SchemaRequest());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, c.message);
    EXPECT_EQ(r.error().code, c.error.code);
    EXPECT_EQ(r.error().http_status, c.error.http_status);
    EXPECT_EQ(r.error().message.find(kKey), std::string::npos);
  }
}

TEST(ProviderAnthropic, RequestBodyIsGolden) {
  FakeHttpClient http;
  http.PushBody(R"({"content": [{"type": "text", "text": "ok"}]})");
  auto p = MakeProvider(AnthropicEndpoint(), &http);
  ChatRequest req = SchemaRequest();
  req.model = "claude-3-5-haiku-20241022";
  req.messages = {{"system", "Classify."}, {"user", "Example 1"}, {"assistant", "{}"},
                  {"user", "Card lost"},   {"user", "Again"},     {"system", "Be brief."}};
  ASSERT_TRUE(Call(p.get(), req).ok());
  const HttpRequest& r = http.requests()[0];
  EXPECT_EQ(r.url, "https://api.anthropic.com/v1/messages");
  EXPECT_EQ(r.headers, (std::vector<std::string>{std::string("x-api-key: ") + kKey,
                                                 "anthropic-version: 2023-06-01",
                                                 "content-type: application/json"}));
  EXPECT_EQ(r.body, std::string(R"({"model":"claude-3-5-haiku-20241022",)"
                                R"("system":"Classify.\n\nBe brief.","messages":[)"
                                R"({"role":"user","content":"Example 1"},)"
                                R"({"role":"assistant","content":"{}"},)"
                                R"({"role":"user","content":"Card lost\n\nAgain"}],)"
                                R"("max_tokens":100,"temperature":0.0,"tools":[{"name":"intent",)"
                                R"("description":"Return the output","input_schema":)") +
                        kStrictSchemaDump + R"(}],"tool_choice":{"type":"tool","name":"intent"}})");
}

TEST(ProviderAnthropic, ToolUseInputKeepsTheModelsKeyOrder) {
  FakeHttpClient http;
  http.Push(FakeHttpClient::Ok(
      R"({"id": "msg_1", "type": "message", "role": "assistant", "content": [
      {"type": "text", "text": "Let me answer."},
      {"type": "tool_use", "id": "toolu_1", "name": "intent",
       "input": {"thoughts": "lost card", "label": "a", "score": 0.5}}],
      "stop_reason": "tool_use", "usage": {"input_tokens": 40, "output_tokens": 12}})",
      2));
  auto p = MakeProvider(AnthropicEndpoint(), &http);
  Result<ChatResponse> r = Call(p.get(), SchemaRequest());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, R"({"thoughts":"lost card","label":"a","score":0.5})");
  EXPECT_EQ(r->finish_reason, "tool_use");
  EXPECT_EQ(r->usage.input_tokens, 40);
  EXPECT_EQ(r->usage.output_tokens, 12);
  EXPECT_EQ(r->http_attempts, 2);
  EXPECT_EQ(r->latency_ms, FakeHttpClient::kLatencyMs);
}

TEST(ProviderAnthropic, TextBlocksAreConcatenatedAndNoSeedIsSent) {
  FakeHttpClient http;
  http.PushBody(R"({"content": [{"type": "text", "text": "Hello"}, {"type": "text",
      "text": ", world"}], "stop_reason": "end_turn", "usage": {"input_tokens": 3}})");
  auto p = MakeProvider(AnthropicEndpoint(), &http);
  ChatRequest req;
  req.model = "claude-3-5-haiku-20241022";
  req.messages = {{"user", "hi"}};
  req.params.seed = 3;
  Result<ChatResponse> r = Call(p.get(), req);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "Hello, world");
  EXPECT_EQ(r->finish_reason, "end_turn");
  EXPECT_EQ(r->usage.output_tokens, 0);
  EXPECT_EQ(http.requests()[0].body,
            R"({"model":"claude-3-5-haiku-20241022","messages":[{"role":"user","content":"hi"}],)"
            R"("max_tokens":400,"temperature":0.0})");
}

TEST(ProviderAnthropic, ErrorsAndMalformedBodies) {
  FakeHttpClient http;
  http.Push(FakeHttpClient::HttpError(
      401,
      R"({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}})"));
  http.PushBody(R"({"type": "message", "content": [)");
  http.PushBody(R"({"type": "message"})");
  auto p = MakeProvider(AnthropicEndpoint(), &http);
  Result<ChatResponse> r = Call(p.get(), SchemaRequest());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "anthropic: HTTP 401: invalid x-api-key");
  EXPECT_EQ(r.error().http_status, 401);
  r = Call(p.get(), SchemaRequest());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_EQ(r.error().message, "anthropic: malformed response body: not JSON");
  r = Call(p.get(), SchemaRequest());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "anthropic: malformed response body: no content array");
}

TEST(ProviderHttp, PollCountsUnfinishedCallsAndStatsForward) {
  FakeHttpClient http;
  http.SetHandler([](const HttpRequest&) { return FakeHttpClient::Ok(kOpenAIContentBody); });
  auto p = MakeProvider(OpenAIEndpoint(), &http);
  EXPECT_EQ(p->Name(), "openai");
  int done = 0;
  for (int i = 0; i < 3; ++i) {
    p->Submit(SchemaRequest(), [&](Result<ChatResponse> r) { done += r.ok(); });
  }
  EXPECT_EQ(p->Stats().in_flight, 3);
  EXPECT_EQ(p->Poll(0), 0);
  EXPECT_EQ(done, 3);
  EXPECT_EQ(p->Stats().requests_sent, 3);
}

TEST(ProviderHttp, CallbacksOfADestroyedProviderNeverRun) {
  FakeHttpClient http;
  http.PushBody(kOpenAIContentBody);
  bool ran = false;
  {
    auto p = MakeProvider(OpenAIEndpoint(), &http);
    p->Submit(SchemaRequest(), [&](Result<ChatResponse>) { ran = true; });
  }
  EXPECT_EQ(http.Poll(0), 0);
  EXPECT_FALSE(ran);
}

TEST(ProviderHttp, NewHttpProviderPicksByKind) {
  FakeHttpClient http;
  EndpointConfig e = OpenAIEndpoint();
  e.name = "vllm";
  e.kind = "anthropic";
  Result<std::unique_ptr<Provider>> p = NewHttpProvider(e, &http);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->Name(), "vllm");
  http.PushBody("{}");
  (void)Call(p->get(), SchemaRequest());
  EXPECT_EQ(http.requests()[0].url, "https://api.openai.com/v1/v1/messages");
  e.kind = "gemini";
  p = NewHttpProvider(e, &http);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message,
            R"(endpoint "vllm": unknown kind "gemini" (use openai or anthropic))");
}

TEST(ProviderRequestJson, IsCanonicalAndOmitsNulls) {
  ChatRequest r = SchemaRequest();
  EXPECT_EQ(ChatRequestText(r),
            std::string(R"({"messages":[{"content":"Classify.","role":"system"},)"
                        R"({"content":"Card lost","role":"user"}],)"
                        R"("model":"gpt-4o-mini-2024-07-18",)"
                        R"("params":{"max_tokens":100,"seed":7,"temperature":0.0},)"
                        R"("sample_index":0,"schema":)") +
                kStrictSchemaDump + R"(,"schema_name":"intent"})");
  ChatRequest plain;
  plain.model = "m";
  plain.sample_index = 2;
  EXPECT_EQ(ChatRequestText(plain),
            R"({"messages":[],"model":"m","params":{"max_tokens":400,"temperature":0.0},)"
            R"("sample_index":2,"schema_name":"output"})");
}

TEST(ProviderRequestJson, InvalidUtf8DumpsWithReplacementCharacters) {
  ChatRequest r;
  r.model = "m";
  r.messages = {{"user", "caf\xe9"}};
  EXPECT_EQ(Json::parse(ChatRequestText(r))["messages"][0]["content"], "caf\xef\xbf\xbd");
}

// The request text is a cache key: its strings are escaped exactly as
// nlohmann's dump escapes them, for every ASCII byte (written directly) and
// for text beyond ASCII (valid or not).
TEST(ProviderRequestJson, StringsAreEscapedAsJsonDumpEscapesThem) {
  std::string every_ascii;
  for (int c = 0; c < 128; ++c) every_ascii.push_back(static_cast<char>(c));
  for (const std::string& content :
       {every_ascii, std::string("plain text"), std::string(""), std::string("\"\\\n"),
        std::string("caf\xc3\xa9 \"\x01"), std::string("bad \xff\x02 byte")}) {
    ChatRequest r;
    r.model = "m";
    r.messages = {{"user", content}};
    const std::string text = ChatRequestText(r);
    const std::string expected =
        R"({"messages":[{"content":)" +
        Json(content).dump(-1, ' ', false, Json::error_handler_t::replace) + R"(,"role":"user"}])";
    EXPECT_EQ(text.substr(0, expected.size()), expected);
  }
}

// Models write properties in schema order: "thoughts" must reach them first.
TEST(ProviderRequestJson, SchemaKeepsTheTaskFilesPropertyOrder) {
  ChatRequest r;
  r.model = "m";
  r.schema = std::make_shared<const WireSchema>(OrderedJson::parse(
      R"({"type":"object","properties":{"thoughts":{"type":"string"},"label":{"type":"string"}}})"));
  std::string text = ChatRequestText(r);
  EXPECT_LT(text.find("thoughts"), text.find("label")) << text;
  FakeHttpClient http;
  http.PushBody(kOpenAIContentBody);
  auto p = MakeProvider(OpenAIEndpoint(), &http);
  ASSERT_TRUE(Call(p.get(), r).ok());
  const std::string& body = http.requests()[0].body;
  EXPECT_LT(body.find("thoughts"), body.find("label")) << body;
  FakeHttpClient http2;
  http2.PushBody(
      R"({"type": "message", "content": [{"type": "tool_use", "id": "t", "name": "output",
      "input": {"thoughts": "x", "label": "a"}}], "stop_reason": "tool_use",
      "usage": {"input_tokens": 1, "output_tokens": 1}})");
  auto a = MakeProvider(AnthropicEndpoint(), &http2);
  ASSERT_TRUE(Call(a.get(), r).ok());
  const std::string& abody = http2.requests()[0].body;
  EXPECT_LT(abody.find("thoughts"), abody.find("label")) << abody;
}

TEST(ProviderStrictRules, Table) {
  struct Case {
    const char* schema;
    bool strict;
  };
  const Case cases[] = {
      {R"({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"],
          "additionalProperties": false})",
       true},
      {R"({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]})", false},
      {R"({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
          "required": ["a"], "additionalProperties": false})",
       false},
      {R"({"type": "object", "properties": {"a": {"enum": ["x"]}}, "required": ["a"],
          "additionalProperties": false})",
       false},
      {R"({"type": "object", "properties": {"a": {"type": "string", "minLength": 1}},
          "required": ["a"], "additionalProperties": false})",
       false},
      {R"({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "object",
          "properties": {"b": {"type": ["string", "null"]}}, "required": ["b"],
          "additionalProperties": false}}}, "required": ["a"], "additionalProperties": false})",
       true},
      {R"({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "object",
          "properties": {"b": {"type": "string"}}}}}, "required": ["a"],
          "additionalProperties": false})",
       false},
      {R"({"type": "object", "properties": {"a": {"anyOf": [{"type": "string"},
          {"$ref": "#/$defs/n"}]}}, "required": ["a"], "additionalProperties": false,
          "$defs": {"n": {"type": "number"}}})",
       true},
      {R"({"type": "string"})", false},
      {R"({"anyOf": [{"type": "object"}]})", false},
      {"true", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(provider_internal::MeetsOpenAIStrictRules(Json::parse(c.schema)), c.strict)
        << c.schema;
  }
}

TEST(ProviderToolName, Sanitized) {
  EXPECT_EQ(provider_internal::ToolName("banking-intent_v2"), "banking-intent_v2");
  EXPECT_EQ(provider_internal::ToolName("my task.v1"), "my_task_v1");
  EXPECT_EQ(provider_internal::ToolName(""), "output");
  EXPECT_EQ(provider_internal::ToolName(std::string(70, 'x')), std::string(64, 'x'));
}

TEST(ModelRef, GoldenTable) {
  struct Case {
    const char* text;
    const char* provider;  // nullptr: error
    const char* model_or_error;
  };
  const Case cases[] = {
      {"openai:gpt-4o-mini", "openai", "gpt-4o-mini"},
      {"anthropic:claude-3-5-haiku-20241022", "anthropic", "claude-3-5-haiku-20241022"},
      {"local:models/x.gguf", "local", "models/x.gguf"},
      {"ollama:llama3:8b", "ollama", "llama3:8b"},
      {"vllm:Qwen/Qwen2.5-7B-Instruct", "vllm", "Qwen/Qwen2.5-7B-Instruct"},
      {"gpt-4o", nullptr,
       R"(model "gpt-4o" must be "provider:model" (e.g. openai:gpt-4o-mini-2024-07-18))"},
      {"", nullptr, R"(model "" must be "provider:model" (e.g. openai:gpt-4o-mini-2024-07-18))"},
      {":gpt-4o", nullptr,
       R"(model ":gpt-4o" has no provider before the colon (e.g. openai:gpt-4o-mini-2024-07-18))"},
      {"openai:", nullptr,
       R"(model "openai:" has no model name after the colon (e.g. openai:gpt-4o-mini-2024-07-18))"},
  };
  for (const Case& c : cases) {
    Result<ModelRef> r = ParseModelRef(c.text);
    if (c.provider == nullptr) {
      ASSERT_FALSE(r.ok()) << c.text;
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(r.error().message, c.model_or_error);
    } else {
      ASSERT_TRUE(r.ok()) << c.text << ": " << r.error().message;
      EXPECT_EQ(r->provider, c.provider);
      EXPECT_EQ(r->model, c.model_or_error);
      EXPECT_EQ(r->ToString(), c.text);
    }
  }
}

// Sets environment variables for one test and restores them after.
class ScopedEnv {
 public:
  ScopedEnv() {
    for (const char* v : {"OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY",
                          "ANTHROPIC_BASE_URL", "VLLM_KEY"}) {
      Unset(v);
    }
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second.has_value()) {
        setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        unsetenv(it->first.c_str());
      }
    }
  }
  void Set(const std::string& name, const std::string& value) {
    Save(name);
    setenv(name.c_str(), value.c_str(), 1);
  }
  void Unset(const std::string& name) {
    Save(name);
    unsetenv(name.c_str());
  }

 private:
  void Save(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    saved_.emplace_back(name, v == nullptr ? std::nullopt : std::optional<std::string>(v));
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(Endpoint, BuiltInsFromTheEnvironment) {
  ScopedEnv env;
  env.Set("OPENAI_API_KEY", "sk-openai-env-key-1");
  env.Set("ANTHROPIC_API_KEY", " sk-ant-env-key-2\n");
  Result<EndpointConfig> e = ResolveEndpoint("openai", Json());
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->name, "openai");
  EXPECT_EQ(e->kind, "openai");
  EXPECT_EQ(e->base_url, "https://api.openai.com/v1");
  EXPECT_EQ(e->api_key, "sk-openai-env-key-1");
  EXPECT_FALSE(e->force_tool_call);
  EXPECT_EQ(Redact("key sk-openai-env-key-1"), "key [REDACTED]");
  e = ResolveEndpoint("anthropic", Json::object());
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->kind, "anthropic");
  EXPECT_EQ(e->base_url, "https://api.anthropic.com");
  EXPECT_EQ(e->api_key, "sk-ant-env-key-2");
  EXPECT_EQ(Redact("sk-ant-env-key-2"), "[REDACTED]");
}

TEST(Endpoint, MissingKeyForAHostedApi) {
  ScopedEnv env;
  Result<EndpointConfig> e = ResolveEndpoint("openai", Json());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.error().message,
            "OPENAI_API_KEY is not set: export it, or point OPENAI_BASE_URL at a local "
            "OpenAI-compatible server (vLLM, llama.cpp server, Ollama)");
  env.Set("OPENAI_BASE_URL", "https://API.openai.com/v1/");
  EXPECT_FALSE(ResolveEndpoint("openai", Json()).ok());
  e = ResolveEndpoint("anthropic", Json());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message,
            "ANTHROPIC_API_KEY is not set: export it, or point ANTHROPIC_BASE_URL at an "
            "Anthropic-compatible server");
}

TEST(Endpoint, LocalBaseUrlNeedsNoKey) {
  ScopedEnv env;
  env.Set("OPENAI_BASE_URL", "http://localhost:8000/v1/");
  Result<EndpointConfig> e = ResolveEndpoint("openai", Json());
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->base_url, "http://localhost:8000/v1");
  EXPECT_EQ(e->api_key, "");
  env.Set("OPENAI_BASE_URL", "http://notopenai.com/v1");
  EXPECT_TRUE(ResolveEndpoint("openai", Json()).ok());
  env.Set("OPENAI_BASE_URL", "localhost:8000/v1");
  e = ResolveEndpoint("openai", Json());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message,
            R"(OPENAI_BASE_URL must start with http:// or https://, got "localhost:8000/v1")");
}

TEST(Endpoint, UnknownProvider) {
  ScopedEnv env;
  Result<EndpointConfig> e = ResolveEndpoint("foo", Json::parse(R"({"endpoints": {}})"));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(
      e.error().message,
      R"(unknown provider "foo": use openai, anthropic, or an endpoint named in centaur.yaml)");
}

TEST(Endpoint, NamedEndpointsFromConfig) {
  ScopedEnv env;
  env.Set("VLLM_KEY", "vllm-secret-key-3");
  Json config = Json::parse(R"({"endpoints": {
      "vllm": {"kind": "openai", "base_url": "http://gpu:8000/v1/", "api_key_env": "VLLM_KEY",
               "force_tool_call": true},
      "ollama": {"base_url": "http://localhost:11434/v1"},
      "openai": {"kind": "openai", "base_url": "http://127.0.0.1:9999/v1"},
      "claude": {"kind": "anthropic", "base_url": "https://proxy.example.com"}}})");
  Result<EndpointConfig> e = ResolveEndpoint("vllm", config);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->name, "vllm");
  EXPECT_EQ(e->kind, "openai");
  EXPECT_EQ(e->base_url, "http://gpu:8000/v1");
  EXPECT_EQ(e->api_key, "vllm-secret-key-3");
  EXPECT_TRUE(e->force_tool_call);
  EXPECT_EQ(Redact("vllm-secret-key-3"), "[REDACTED]");
  e = ResolveEndpoint("ollama", config);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->kind, "openai");
  EXPECT_EQ(e->api_key, "");
  EXPECT_FALSE(e->force_tool_call);
  e = ResolveEndpoint("openai", config);  // overrides the built-in: no key needed
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->base_url, "http://127.0.0.1:9999/v1");
  e = ResolveEndpoint("claude", config);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->kind, "anthropic");
}

TEST(Endpoint, BadNamedEndpoints) {
  ScopedEnv env;
  struct Case {
    const char* config;
    const char* message;
  };
  const Case cases[] = {
      {R"({"endpoints": {"vllm": {"base_url": "http://h/v1", "api_key_env": "VLLM_KEY"}}})",
       "VLLM_KEY is not set: export it (endpoints.vllm.api_key_env in centaur.yaml)"},
      {R"({"endpoints": {"vllm": {"kind": "gemini", "base_url": "http://h/v1"}}})",
       R"(centaur.yaml: endpoints.vllm.kind must be "openai" or "anthropic")"},
      {R"({"endpoints": {"vllm": {"kind": "openai"}}})",
       "centaur.yaml: endpoints.vllm.base_url is required (e.g. http://localhost:8000/v1)"},
      {R"({"endpoints": {"vllm": {"base_url": "h:8000"}}})",
       R"(centaur.yaml: endpoints.vllm.base_url must start with http:// or https://, got "h:8000")"},
      {R"({"endpoints": {"vllm": {"base_url": "http://h/v1", "force_tool_call": "yes"}}})",
       "centaur.yaml: endpoints.vllm.force_tool_call must be true or false"},
      {R"({"endpoints": {"vllm": {"base_ur": "http://h/v1"}}})",
       R"(centaur.yaml: endpoints.vllm: unknown key "base_ur" (expected kind, base_url, api_key_env, force_tool_call))"},
      {R"({"endpoints": {"vllm": "http://h/v1"}})",
       "centaur.yaml: endpoints.vllm must be a mapping {kind, base_url, api_key_env, "
       "force_tool_call}"},
      {R"({"endpoints": ["vllm"]})",
       "centaur.yaml: endpoints must be a mapping of NAME: {kind, base_url, api_key_env, "
       "force_tool_call}"},
  };
  for (const Case& c : cases) {
    Result<EndpointConfig> e = ResolveEndpoint("vllm", Json::parse(c.config));
    ASSERT_FALSE(e.ok()) << c.config;
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(e.error().message, c.message);
  }
}

// The providers through the real HTTP client against the fixture server.
class ProviderFixture : public ::testing::Test {
 protected:
  static constexpr char kFixtureKey[] = "fixture-key-4567";

  static ChatRequest Intent(const std::string& text) {
    ChatRequest r;
    r.model = "fixture-model";
    r.messages = {{"system", "Route the message."}, {"user", text}};
    r.schema =
        std::make_shared<const WireSchema>(OrderedJson::parse(R"({"type": "object", "properties": {
        "thoughts": {"type": "string"}, "label": {"type": "string", "enum": ["refund", "card"]}},
        "required": ["thoughts", "label"], "additionalProperties": false})"));
    r.schema_name = "intent";
    return r;
  }

  static void ExpectIntent(const Result<ChatResponse>& r) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    Json out = Json::parse(r->text, nullptr, false);
    ASSERT_TRUE(out.is_object()) << r->text;
    EXPECT_TRUE(out["thoughts"].is_string()) << r->text;
    EXPECT_TRUE(out["label"] == "refund" || out["label"] == "card") << r->text;
    EXPECT_GT(r->usage.input_tokens, 0);
    EXPECT_GT(r->usage.output_tokens, 0);
    EXPECT_GT(r->latency_ms, 0);
    EXPECT_FALSE(r->raw_body.empty());
  }

  std::unique_ptr<HttpClient> http_ = FixtureHttpClient();
};

TEST_F(ProviderFixture, OpenAIJsonSchema) {
  FixtureServer server({"--require-key", kFixtureKey});
  ASSERT_TRUE(server.ok());
  auto p = MakeProvider({"openai", "openai", server.base_url() + "/v1", kFixtureKey, false},
                        http_.get());
  Result<ChatResponse> r = Call(p.get(), Intent("I want a refund"));
  ExpectIntent(r);
  EXPECT_EQ(r->finish_reason, "stop");
  EXPECT_EQ(r->http_attempts, 1);
  ChatRequest plain = Intent("hello there");
  plain.schema = nullptr;
  r = Call(p.get(), plain);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "fixture reply: hello there");
  EXPECT_EQ(server.Stats()["chat_completions"], 2);
}

TEST_F(ProviderFixture, OpenAIFallsBackToAToolCall) {
  FixtureServer server({"--no-json-schema"});
  ASSERT_TRUE(server.ok());
  auto p = MakeProvider({"vllm", "openai", server.base_url() + "/v1", "", false}, http_.get());
  Result<ChatResponse> r = Call(p.get(), Intent("my card is lost"));
  ExpectIntent(r);
  EXPECT_EQ(r->finish_reason, "tool_calls");
  EXPECT_EQ(r->http_attempts, 2);
  EXPECT_EQ(server.Stats()["chat_completions"], 2);
  ExpectIntent(Call(p.get(), Intent("refund please")));
  EXPECT_EQ(server.Stats()["chat_completions"], 3);  // straight to the tool call
}

TEST_F(ProviderFixture, OpenAIErrorsAndMalformedBodies) {
  FixtureServer server({"--require-key", kFixtureKey});
  ASSERT_TRUE(server.ok());
  const std::string wrong_key = "sk-wrong-key-0000";
  auto p =
      MakeProvider({"openai", "openai", server.base_url() + "/v1", wrong_key, false}, http_.get());
  Result<ChatResponse> r = Call(p.get(), Intent("hi"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "openai: HTTP 401: Incorrect API key provided");
  EXPECT_EQ(r.error().code, ErrorCode::kHttp);
  EXPECT_EQ(r.error().http_status, 401);
  auto good = MakeProvider({"openai", "openai", server.base_url() + "/v1", kFixtureKey, false},
                           http_.get());
  r = Call(good.get(), Intent("!fault:malformed"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_EQ(r.error().message, "openai: malformed response body: not JSON");
}

TEST_F(ProviderFixture, ResolvedLocalEndpointNeedsNoKey) {
  FixtureServer server;
  ASSERT_TRUE(server.ok());
  ScopedEnv env;
  env.Set("OPENAI_BASE_URL", server.base_url() + "/v1/");
  Result<EndpointConfig> e = ResolveEndpoint("openai", Json());
  ASSERT_TRUE(e.ok()) << e.error().message;
  auto p = MakeProvider(*e, http_.get());
  ExpectIntent(Call(p.get(), Intent("refund")));
}

TEST_F(ProviderFixture, AnthropicToolUse) {
  FixtureServer server({"--require-key", kFixtureKey});
  ASSERT_TRUE(server.ok());
  auto p =
      MakeProvider({"anthropic", "anthropic", server.base_url(), kFixtureKey, false}, http_.get());
  Result<ChatResponse> r = Call(p.get(), Intent("I want a refund"));
  ExpectIntent(r);
  EXPECT_EQ(r->finish_reason, "tool_use");
  // The fixture writes properties in schema order (thoughts first, as the
  // task file gives them); the text keeps it.
  EXPECT_EQ(r->text.rfind(R"({"thoughts":)", 0), 0u) << r->text;
  ChatRequest plain = Intent("hello there");
  plain.schema = nullptr;
  r = Call(p.get(), plain);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "fixture reply: hello there");
  EXPECT_EQ(r->finish_reason, "end_turn");
  EXPECT_EQ(server.Stats()["messages"], 2);
}

TEST_F(ProviderFixture, AnthropicWrongKey) {
  FixtureServer server({"--require-key", kFixtureKey});
  ASSERT_TRUE(server.ok());
  auto p = MakeProvider({"anthropic", "anthropic", server.base_url(), "sk-ant-wrong-1", false},
                        http_.get());
  Result<ChatResponse> r = Call(p.get(), Intent("hi"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "anthropic: HTTP 401: invalid x-api-key");
  EXPECT_EQ(r.error().message.find("sk-ant-wrong-1"), std::string::npos);
}

}  // namespace
}  // namespace centaur
