// OpenAI-compatible embeddings through the real HTTP client against the
// fixture server, and the body parser on bodies no server should send.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fake_http_client.h"
#include "fixture_server.h"
#include "llm/openai_provider.h"
#include "llm/provider.h"

namespace centaur {
namespace {

constexpr size_t kFixtureDims = 16;

Result<EmbedResponse> EmbedNow(Provider* p, std::vector<std::string> inputs) {
  std::optional<Result<EmbedResponse>> out;
  p->Embed(EmbedRequest{"text-embedding-3-small", std::move(inputs)},
           [&](Result<EmbedResponse> r) { out.emplace(std::move(r)); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!out.has_value() && p->Poll(50) > 0 && std::chrono::steady_clock::now() < deadline) {
  }
  if (!out.has_value()) return MakeError(ErrorCode::kInternal, "callback never ran");
  return std::move(*out);
}

double Norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

class EmbeddingsTest : public ::testing::Test {
 protected:
  std::unique_ptr<Provider> Open(const std::string& kind = "openai") {
    EndpointConfig e{kind, kind, server_.base_url() + (kind == "openai" ? "/v1" : ""), "", false};
    Result<std::unique_ptr<Provider>> p = NewHttpProvider(e, http_.get());
    EXPECT_TRUE(p.ok()) << p.error().message;
    return p.ok() ? std::move(p).value() : nullptr;
  }

  FixtureServer server_;
  std::unique_ptr<HttpClient> http_ = FixtureHttpClient();
};

TEST_F(EmbeddingsTest, VectorsAreUnitLengthInInputOrderWithUsage) {
  ASSERT_TRUE(server_.ok());
  auto p = Open();
  Result<EmbedResponse> r = EmbedNow(p.get(), {"card lost", "refund please", "card lost"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->vectors.size(), 3u);
  for (const std::vector<float>& v : r->vectors) {
    EXPECT_EQ(v.size(), kFixtureDims);
    EXPECT_NEAR(Norm(v), 1.0, 1e-6);
  }
  EXPECT_EQ(r->vectors[0], r->vectors[2]);
  EXPECT_NE(r->vectors[0], r->vectors[1]);
  EXPECT_EQ(r->usage.input_tokens, 3 + 4 + 3);  // ceil(chars / 4) each
  EXPECT_GT(r->latency_ms, 0);

  // The fixture lists data in reverse: the vectors still follow the inputs.
  Result<EmbedResponse> swapped = EmbedNow(p.get(), {"refund please", "card lost"});
  ASSERT_TRUE(swapped.ok()) << swapped.error().message;
  EXPECT_EQ(swapped->vectors[0], r->vectors[1]);
  EXPECT_EQ(swapped->vectors[1], r->vectors[0]);
  Result<EmbedResponse> one = EmbedNow(p.get(), {"refund please"});
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one->vectors[0], r->vectors[1]);

  Json stats = server_.Stats();
  EXPECT_EQ(stats["embeddings"], 3);
  EXPECT_EQ(stats["chat_completions"], 0);
  EXPECT_EQ(p->Poll(0), 0);
}

TEST_F(EmbeddingsTest, RateLimitIsRetriedThenSucceeds) {
  ASSERT_TRUE(server_.ok());
  auto p = Open();
  Result<EmbedResponse> r = EmbedNow(p.get(), {"plain", "busy !fault:429"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->vectors.size(), 2u);
  Json stats = server_.Stats();
  EXPECT_EQ(stats["embeddings"], 2);
  EXPECT_EQ(stats["faults"], 1);
  EXPECT_EQ(p->Stats().rate_limited, 1);
}

TEST_F(EmbeddingsTest, ServerErrorsAndMalformedBodies) {
  ASSERT_TRUE(server_.ok());
  auto p = Open();
  Result<EmbedResponse> r = EmbedNow(p.get(), {"!fault:malformed"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_EQ(r.error().message, "openai: malformed response body: not JSON");

  r = EmbedNow(p.get(), {"first", "!fault:invalid"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "openai: malformed response body: data[1].embedding is not an array of numbers");

  r = EmbedNow(p.get(), {"!fault:500x5"});  // more failures than retries
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kHttp);
  EXPECT_EQ(r.error().message,
            "openai: HTTP 500 after 3 tries: The server had an error while processing your "
            "request. Sorry about that!");

  r = EmbedNow(p.get(), {"!fault:bogus"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "openai: HTTP 400: unknown fixture fault kind 'bogus'");

  r = EmbedNow(p.get(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "openai: no inputs to embed");
}

TEST_F(EmbeddingsTest, AnthropicHasNoEmbeddings) {
  ASSERT_TRUE(server_.ok());
  auto p = Open("anthropic");
  Result<EmbedResponse> r = EmbedNow(p.get(), {"hello"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      r.error().message,
      "provider \"anthropic\" does not support embeddings (model \"text-embedding-3-small\")");
  EXPECT_EQ(server_.Stats()["requests"], 0);
}

TEST(EmbeddingsRequest, BodyUrlAndKey) {
  FakeHttpClient http;
  http.PushBody(R"({"data": [{"index": 0, "embedding": [3, 4]}], "usage": {"prompt_tokens": 2}})");
  EndpointConfig e{"vllm", "openai", "http://localhost:8000/v1", "sk-embed-key-1", false};
  auto p = NewHttpProvider(e, &http);
  ASSERT_TRUE(p.ok());
  Result<EmbedResponse> r = EmbedNow(p->get(), {"héllo"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->vectors[0], (std::vector<float>{0.6f, 0.8f}));
  EXPECT_EQ(r->usage.input_tokens, 2);
  EXPECT_EQ(r->latency_ms, FakeHttpClient::kLatencyMs);
  ASSERT_EQ(http.requests().size(), 1u);
  EXPECT_EQ(http.requests()[0].url, "http://localhost:8000/v1/embeddings");
  EXPECT_EQ(http.requests()[0].body, R"({"model":"text-embedding-3-small","input":["héllo"]})");
  EXPECT_EQ(http.requests()[0].headers,
            (std::vector<std::string>{"Content-Type: application/json",
                                      "Authorization: Bearer sk-embed-key-1"}));
}

TEST(EmbeddingsParse, MalformedBodiesNameWhatIsWrong) {
  struct Case {
    const char* body;
    size_t inputs;
    const char* reason;
  };
  const Case cases[] = {
      {R"({"data": [)", 1, "not JSON"},
      {R"({"object": "list"})", 1, "no data array"},
      {R"({"error": {"message": "model not found"}})", 1, "no data array (error: model not found)"},
      {R"({"data": [{"index": 0, "embedding": [1]}]})", 2, "data has 1 embeddings for 2 inputs"},
      {R"({"data": [{"index": 0, "embedding": "AAAA"}]})", 1,
       "data[0].embedding is not an array of numbers"},
      {R"({"data": [{"index": 0, "embedding": [1, "x"]}]})", 1,
       "data[0].embedding is not an array of numbers"},
      {R"({"data": [{"index": 0, "embedding": []}]})", 1, "data[0].embedding is empty"},
      {R"({"data": [{"index": 0, "embedding": [1]}, {"index": 0, "embedding": [1]}]})", 2,
       "data[1].index 0 appears twice"},
      {R"({"data": [{"index": 2, "embedding": [1]}, {"index": 0, "embedding": [1]}]})", 2,
       "data[0].index 2 is not an input index (0 to 1)"},
      {R"({"data": [{"index": "0", "embedding": [1]}]})", 1,
       "data[0].index \"0\" is not an input index (0 to 0)"},
      {R"({"data": [{"index": 0, "embedding": [1, 2]}, {"index": 1, "embedding": [1]}]})", 2,
       "embedding 1 has 1 dimensions, embedding 0 has 2"},
      {R"({"data": [{"index": 0, "embedding": [0, 0]}]})", 1,
       "embedding 0 cannot be scaled to unit length (zero or infinite)"},
  };
  for (const Case& c : cases) {
    Result<EmbedResponse> r = provider_internal::ParseOpenAIEmbeddings("vllm", c.body, c.inputs);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().code, ErrorCode::kParse) << c.body;
    EXPECT_EQ(r.error().message, std::string("vllm: malformed response body: ") + c.reason);
  }
  // No index: the position decides; no usage: zero tokens.
  Result<EmbedResponse> r = provider_internal::ParseOpenAIEmbeddings(
      "vllm", R"({"data": [{"embedding": [2, 0]}, {"embedding": [0, -5]}]})", 2);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->vectors, (std::vector<std::vector<float>>{{1, 0}, {0, -1}}));
  EXPECT_EQ(r->usage.input_tokens, 0);
}

}  // namespace
}  // namespace centaur
