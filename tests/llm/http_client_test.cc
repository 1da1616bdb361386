// The curl HttpClient, black-box against the real fixture server, plus golden
// tables for the pure retry/rate-limit policy.
#include "llm/http_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "fixture_server.h"
#include "llm/http_policy.h"

namespace centaur {
namespace {

using Clock_ = std::chrono::steady_clock;

constexpr char kSecretKey[] = "sk-fixture-SECRET-0123456789";
constexpr char kSecretHeaderValue[] = "hunter2-private-header-value";

double SecondsSince(Clock_::time_point start) {
  return std::chrono::duration<double>(Clock_::now() - start).count();
}

// Small backoffs so fault tests take milliseconds.
HttpOptions FastOptions() {
  HttpOptions o;
  o.max_retries = 3;
  o.backoff_base_ms = 5;
  o.backoff_max_ms = 20;
  o.jitter_seed = 42;
  o.request_timeout_ms = 10'000;
  return o;
}

HttpRequest Chat(const FixtureServer& s, const std::string& user_text) {
  HttpRequest r;
  r.url = s.base_url() + "/v1/chat/completions";
  r.headers = {"Content-Type: application/json", std::string("Authorization: Bearer ") + kSecretKey,
               std::string("X-Private: ") + kSecretHeaderValue};
  Json body = {{"model", "fixture-model"},
               {"messages", Json::array({{{"role", "user"}, {"content", user_text}}})}};
  r.body = body.dump();
  return r;
}

using Outcome = std::optional<Result<HttpResponse>>;

// Submits all requests, polls until every callback ran (or `limit_s` passed).
std::vector<Outcome> RunAll(HttpClient& client, const std::vector<HttpRequest>& requests,
                            double limit_s = 30) {
  std::vector<Outcome> out(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    client.Submit(requests[i], [&out, i](Result<HttpResponse> r) { out[i] = std::move(r); });
  }
  auto start = Clock_::now();
  while (client.Poll(100) > 0 && SecondsSince(start) < limit_s) {
  }
  return out;
}

Result<HttpResponse> RunOne(HttpClient& client, const HttpRequest& request) {
  std::vector<Outcome> out = RunAll(client, {request});
  if (!out[0].has_value()) return MakeError(ErrorCode::kInternal, "no callback");
  return std::move(*out[0]);
}

std::string ExpectOk(const Result<HttpResponse>& r) {
  return r.ok() ? "" : std::string(ErrorCodeName(r.error().code)) + ": " + r.error().message;
}

// User + system CPU time of this process.
double CpuSeconds() {
  rusage u = {};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// A port on which nothing listens.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(CurlHttpClient, PlainRequestSucceedsAndReusesTheConnection) {
  FixtureServer s;
  ASSERT_TRUE(s.ok());
  auto client = NewCurlHttpClient(FastOptions());
  for (int i = 0; i < 20; ++i) {
    Result<HttpResponse> r = RunOne(*client, Chat(s, "hello " + std::to_string(i)));
    ASSERT_TRUE(r.ok()) << ExpectOk(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->attempts, 1);
    EXPECT_GT(r->latency_ms, 0);
    EXPECT_EQ(r->headers["content-type"], "application/json");
    EXPECT_EQ(r->headers.count("x-request-id"), 1u);
    Json body = Json::parse(r->body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << r->body;
    EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  }
  HttpStats st = client->Stats();
  EXPECT_EQ(st.requests_sent, 20);
  EXPECT_EQ(st.retries, 0);
  EXPECT_EQ(st.connections_opened, 1);
  EXPECT_EQ(s.Stats()["connections"], 1);
  EXPECT_EQ(s.Stats()["chat_completions"], 20);
}

TEST(CurlHttpClient, RateLimitHonoursRetryAfterHalvesTheWindowAndRecovers) {
  FixtureServer s;
  ASSERT_TRUE(s.ok());
  HttpOptions o = FastOptions();
  o.max_concurrency = 8;
  auto client = NewCurlHttpClient(o);
  auto start = Clock_::now();
  Result<HttpResponse> r = RunOne(*client, Chat(s, "please !fault:429"));
  ASSERT_TRUE(r.ok()) << ExpectOk(r);
  EXPECT_GE(SecondsSince(start), 0.95);  // retry-after: 1
  EXPECT_EQ(r->attempts, 2);
  HttpStats st = client->Stats();
  EXPECT_EQ(st.rate_limited, 1);
  EXPECT_EQ(st.window, 4);
  // +1 per kWindowRecoverySuccesses successes (the retried request was one),
  // back up to max_concurrency and no further.
  const int k = HttpOptions::kWindowRecoverySuccesses;
  RunAll(*client, std::vector<HttpRequest>(k * 3 - 2, Chat(s, "ok")));
  EXPECT_EQ(client->Stats().window, 6);
  ASSERT_TRUE(RunOne(*client, Chat(s, "ok")).ok());
  EXPECT_EQ(client->Stats().window, 7);
  RunAll(*client, std::vector<HttpRequest>(k * 3, Chat(s, "ok")));
  EXPECT_EQ(client->Stats().window, 8);
}

TEST(CurlHttpClient, RateLimitWithFakeClockWaitsExactlyRetryAfter) {
  FixtureServer s;
  ASSERT_TRUE(s.ok());
  FakeClock clock;
  auto client = NewCurlHttpClient(FastOptions(), &clock);
  Outcome out;
  client->Submit(Chat(s, "!fault:429"), [&](Result<HttpResponse> r) { out = std::move(r); });
  for (int i = 0; i < 50 && client->Stats().backing_off == 0; ++i) client->Poll(20);
  ASSERT_EQ(client->Stats().backing_off, 1);
  clock.Advance(990'000);
  EXPECT_EQ(client->Poll(50), 1);
  EXPECT_EQ(client->Stats().backing_off, 1);
  clock.Advance(20'000);
  for (int i = 0; i < 100 && client->Poll(50) > 0; ++i) {
  }
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->ok()) << ExpectOk(*out);
  EXPECT_EQ((*out)->attempts, 2);
}

TEST(CurlHttpClient, BackoffRunsOnTheInjectedClock) {
  FixtureServer s;
  ASSERT_TRUE(s.ok());
  FakeClock clock;
  HttpOptions o = FastOptions();
  o.backoff_base_ms = 60'000;
  o.backoff_max_ms = 60'000;
  auto client = NewCurlHttpClient(o, &clock);
  Outcome out;
  client->Submit(Chat(s, "!fault:500"), [&](Result<HttpResponse> r) { out = std::move(r); });
  for (int i = 0; i < 10; ++i) client->Poll(20);
  EXPECT_FALSE(out.has_value());
  clock.Advance(60'001'000);
  for (int i = 0; i < 100 && client->Poll(50) > 0; ++i) {
  }
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->ok()) << ExpectOk(*out);
}

class RetriedFault : public ::testing::TestWithParam<const char*> {};

TEST_P(RetriedFault, IsSurvivedByRetry) {
  FixtureServer s;
  ASSERT_TRUE(s.ok());
  auto client = NewCurlHttpClient(FastOptions());
  Result<HttpResponse> r = RunOne(*client, Chat(s, std::string("item !fault:") + GetParam()));
  ASSERT_TRUE(r.ok()) << ExpectOk(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_FALSE(Json::parse(r->body, nullptr, false).is_discarded()) << r->body;
  EXPECT_EQ(client->Stats().retries, 1);
  EXPECT_EQ(s.Stats()["faults"], 1);
}

INSTANTIATE_TEST_SUITE_P(Faults, RetriedFault,
                         ::testing::Values("500", "503", "529", "reset", "truncated"));

TEST(CurlHttpClient, RepeatedFaultsCountTries) {
  FixtureServer s;
  ASSERT_TRUE(s.ok());
  auto client = NewCurlHttpClient(FastOptions());
  Result<HttpResponse> r = RunOne(*client, Chat(s, "!fault:503x3"));
  ASSERT_TRUE(r.ok()) << ExpectOk(r);
  EXPECT_EQ(r->attempts, 4);
  EXPECT_EQ(client->Stats().requests_sent, 4);
  EXPECT_EQ(s.Stats()["faults"], 3);
}

TEST(CurlHttpClient, TimeoutIsRetried) {
  FixtureServer s({"--timeout-fault-ms", "5000"});
  ASSERT_TRUE(s.ok());
  HttpOptions o = FastOptions();
  o.request_timeout_ms = 300;
  auto client = NewCurlHttpClient(o);
  auto start = Clock_::now();
  Result<HttpResponse> r = RunOne(*client, Chat(s, "!fault:timeout"));
  ASSERT_TRUE(r.ok()) << ExpectOk(r);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_GE(SecondsSince(start), 0.29);
  EXPECT_LT(SecondsSince(start), 3.0);
}

TEST(CurlHttpClient, MalformedBodyIsASuccessfulExchangeAtThisLayer) {
  FixtureServer s;
  ASSERT_TRUE(s.ok());
  auto client = NewCurlHttpClient(FastOptions());
  Result<HttpResponse> r = RunOne(*client, Chat(s, "!fault:malformed"));
  ASSERT_TRUE(r.ok()) << ExpectOk(r);
  EXPECT_EQ(r->body, "{\"choices\": [");
  EXPECT_EQ(r->attempts, 1);  // the provider rejects it, not the transport
}

// Exhaustion: the final error, its exact message, and no header contents.
struct ExhaustCase {
  const char* directive;
  ErrorCode code;
  int http_status;
  const char* tail;  // the message after "POST <url>: "
};

class Exhausted : public ::testing::TestWithParam<ExhaustCase> {};

TEST_P(Exhausted, ReportsTheFinalErrorWithoutHeaders) {
  const ExhaustCase& c = GetParam();
  FixtureServer s({"--timeout-fault-ms", "5000"});
  ASSERT_TRUE(s.ok());
  HttpOptions o = FastOptions();
  o.max_retries = 2;
  o.request_timeout_ms = 200;
  o.retry_after_max_ms = 10;
  auto client = NewCurlHttpClient(o);
  HttpRequest req = Chat(s, std::string("item !fault:") + c.directive);
  Result<HttpResponse> r = RunOne(*client, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, c.code) << r.error().message;
  EXPECT_EQ(r.error().http_status, c.http_status);
  EXPECT_EQ(r.error().message, "POST " + req.url + ": " + c.tail);
  EXPECT_EQ(r.error().message.find(kSecretKey), std::string::npos);
  EXPECT_EQ(r.error().message.find(kSecretHeaderValue), std::string::npos);
  EXPECT_EQ(client->Stats().requests_sent, 3);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, Exhausted,
    ::testing::Values(
        ExhaustCase{"500x9", ErrorCode::kHttp, 500,
                    "HTTP 500 after 3 tries: {\"error\":{\"message\":\"The server had an error "
                    "while processing your request. Sorry about that!\",\"type\":\"server_error\","
                    "\"param\":null,\"code\":null}}"},
        ExhaustCase{"429x9", ErrorCode::kRateLimited, 429,
                    "HTTP 429 after 3 tries: {\"error\":{\"message\":\"Rate limit reached for "
                    "requests (fixture fault)\",\"type\":\"requests\",\"param\":null,"
                    "\"code\":\"rate_limit_exceeded\"}}"},
        ExhaustCase{"resetx9", ErrorCode::kTransport, 0, "connection reset by peer after 3 tries"},
        ExhaustCase{"truncatedx9", ErrorCode::kTransport, 0, "response truncated after 3 tries"},
        ExhaustCase{"timeoutx9", ErrorCode::kTransport, 0, "timed out after 200 ms (3 tries)"}));

TEST(CurlHttpClient, ConnectionRefusedIsRetriedThenReported) {
  auto client = NewCurlHttpClient(FastOptions());
  std::string port = std::to_string(ClosedPort());
  HttpRequest req;
  req.url = "http://user:pw@127.0.0.1:" + port + "/v1/messages?key=abc";
  req.headers = {std::string("x-api-key: ") + kSecretKey};
  Result<HttpResponse> r = RunOne(*client, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTransport);
  EXPECT_EQ(r.error().message,
            "POST http://127.0.0.1:" + port + "/v1/messages: connection refused after 4 tries");
}

TEST(CurlHttpClient, ClientErrorsComeBackAtOnceWithTheBody) {
  FixtureServer s({"--require-key", "the-right-key"});
  ASSERT_TRUE(s.ok());
  auto client = NewCurlHttpClient(FastOptions());
  HttpRequest req = Chat(s, "hello");
  Result<HttpResponse> r = RunOne(*client, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kHttp);
  EXPECT_EQ(r.error().http_status, 401);
  EXPECT_EQ(r.error().message,
            "POST " + req.url +
                ": HTTP 401: {\"error\":{\"message\":\"Incorrect API key provided\",\"type\":"
                "\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");
  EXPECT_EQ(client->Stats().requests_sent, 1);
}

TEST(CurlHttpClient, ConcurrencyWindowOverlapsRequests) {
  FixtureServer s({"--latency-ms", "100"});
  ASSERT_TRUE(s.ok());
  HttpOptions o = FastOptions();
  o.max_concurrency = 8;
  auto client = NewCurlHttpClient(o);
  std::vector<Outcome> out(64);
  for (int i = 0; i < 64; ++i) {
    client->Submit(Chat(s, "item " + std::to_string(i)),
                   [&out, i](Result<HttpResponse> r) { out[i] = std::move(r); });
  }
  int max_in_flight = 0;
  auto start = Clock_::now();
  while (client->Poll(10) > 0 && SecondsSince(start) < 30) {
    max_in_flight = std::max(max_in_flight, client->Stats().in_flight);
  }
  double elapsed = SecondsSince(start);
  for (const Outcome& r : out) ASSERT_TRUE(r.has_value() && r->ok());
  EXPECT_EQ(max_in_flight, 8);
  EXPECT_GE(elapsed, 0.79);
  EXPECT_LT(elapsed, 1.6);  // serially it would be 6.4 s
  EXPECT_LE(client->Stats().connections_opened, 8);
}

TEST(CurlHttpClient, RequestsPerMinuteSlowsStarts) {
  FixtureServer s;
  ASSERT_TRUE(s.ok());
  HttpOptions o = FastOptions();
  o.max_concurrency = 64;
  o.requests_per_minute = 1200;  // 20/s, bursts of 20
  auto client = NewCurlHttpClient(o);
  auto start = Clock_::now();
  std::vector<Outcome> out = RunAll(*client, std::vector<HttpRequest>(40, Chat(s, "x")));
  double elapsed = SecondsSince(start);
  for (const Outcome& r : out) ASSERT_TRUE(r.has_value() && r->ok());
  EXPECT_GE(elapsed, 0.9);  // the 40th start is due at 1.0 s
  EXPECT_LT(elapsed, 3.0);
}

TEST(CurlHttpClient, TokensPerMinuteSlowsStarts) {
  FixtureServer s;
  ASSERT_TRUE(s.ok());
  HttpOptions o = FastOptions();
  o.tokens_per_minute = 6000;  // 100/s, bursts of 100
  auto client = NewCurlHttpClient(o);
  HttpRequest req = Chat(s, "x");
  req.estimated_tokens = 50;
  auto start = Clock_::now();
  std::vector<Outcome> out = RunAll(*client, std::vector<HttpRequest>(4, req));
  for (const Outcome& r : out) ASSERT_TRUE(r.has_value() && r->ok());
  EXPECT_GE(SecondsSince(start), 0.9);  // two at once, then one per 0.5 s
}

TEST(CurlHttpClient, CallbacksMaySubmit) {
  FixtureServer s;
  ASSERT_TRUE(s.ok());
  auto client = NewCurlHttpClient(FastOptions());
  int done = 0;
  std::function<void(Result<HttpResponse>)> chain = [&](Result<HttpResponse> r) {
    EXPECT_TRUE(r.ok());
    if (++done < 5) client->Submit(Chat(s, "again"), chain);
  };
  client->Submit(Chat(s, "first"), chain);
  for (int i = 0; i < 200 && client->Poll(50) > 0; ++i) {
  }
  EXPECT_EQ(done, 5);
}

TEST(CurlHttpClient, AnthropicMessagesRoundTrip) {
  FixtureServer s;
  ASSERT_TRUE(s.ok());
  auto client = NewCurlHttpClient(FastOptions());
  HttpRequest req;
  req.url = s.base_url() + "/v1/messages";
  req.headers = {"content-type: application/json", "x-api-key: k", "anthropic-version: 2023-06-01"};
  req.body = R"({"model":"claude-x","max_tokens":100,"messages":[{"role":"user","content":"hi"}]})";
  Result<HttpResponse> r = RunOne(*client, req);
  ASSERT_TRUE(r.ok()) << ExpectOk(r);
  Json body = Json::parse(r->body);
  EXPECT_EQ(body["stop_reason"], "end_turn");
  EXPECT_EQ(body["content"][0]["text"], "fixture reply: hi");
}

// Sanitizers slow the fixture server (JSON, allocation) enough to show when
// 32 answers are built at once on a small machine.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kThroughputSlack = 1.3;
#else
constexpr double kThroughputSlack = 1.15;
#endif

// 2000 requests, 50 ms each, 32 at a time: ideally 3.125 s.
TEST(CurlHttpClient, ThroughputAtConcurrency32) {
  FixtureServer s({"--latency-ms", "50"});
  ASSERT_TRUE(s.ok());
  HttpOptions o = FastOptions();
  o.max_concurrency = 32;
  auto client = NewCurlHttpClient(o);
  std::vector<HttpRequest> requests(2000, Chat(s, "bench"));
  double cpu_before = CpuSeconds();
  auto start = Clock_::now();
  std::vector<Outcome> out = RunAll(*client, requests);
  double elapsed = SecondsSince(start);
  double cpu = CpuSeconds() - cpu_before;
  for (const Outcome& r : out) ASSERT_TRUE(r.has_value() && r->ok());
  std::printf("2000 requests at concurrency 32, 50 ms latency: %.3f s, client CPU %.3f s\n",
              elapsed, cpu);
  EXPECT_LT(cpu, elapsed / 2);  // one thread that sleeps in poll(), no busy loop
  EXPECT_LT(elapsed, 2000 * 0.05 / 32 * kThroughputSlack);
  EXPECT_LE(client->Stats().connections_opened, 32);
}

// What the fixture answers for a schema: the contract the provider and CLI
// tests rely on.
TEST(FixtureServerOutput, GoldenTable) {
  struct Case {
    const char* user;
    const char* schema;
    const char* want;
  };
  const Case cases[] = {
      {"My card_declined yesterday",
       R"({"type":"object","properties":{"thoughts":{"type":"string"},
           "label":{"enum":["card","card_declined","refund"]}}})",
       R"({"thoughts":"fixture thoughts: My card_declined yesterday","label":"card_declined"})"},
      {"hello", R"({"type":"object","properties":{"l":{"enum":["a1","b2","c3","d4","e5"]}}})",
       R"({"l":"b2"})"},  // FNV-1a 64 of "hello" % 5 == 1
      {"good morning",
       R"({"type":"object","properties":{"l":{"enum":["a1","b2","c3","d4","e5"]}}})",
       R"({"l":"e5"})"},
      {"0123456789012345678901234567890123456789-cut",
       R"({"type":"object","properties":{"thoughts":{"type":"string"}}})",
       R"({"thoughts":"fixture thoughts: 0123456789012345678901234567890123456789"})"},
      {"x",
       R"({"type":"object","properties":{"n":{"type":"integer","minimum":3},"x":{"type":"number"},
           "b":{"type":"boolean"},"arr":{"type":"array","items":{"type":"string"},"minItems":2},
           "s":{"type":"string","minLength":10},"t":{"type":"string","maxLength":3}}})",
       R"({"n":3,"x":0,"b":false,"arr":["fixture","fixture"],"s":"fixturefix","t":"fix"})"},
      {"x",
       R"({"$defs":{"P":{"type":"object","properties":{"a":{"type":"string"}}}},"type":"object",
           "properties":{"p":{"$ref":"#/$defs/P"},"u":{"anyOf":[{"type":"integer"},{"type":"string"}]},
           "z":{"type":["null","string"]}}})",
       R"({"p":{"a":"fixture"},"u":0,"z":"fixture"})"},
      {"refund please !fault:invalid",
       R"({"type":"object","properties":{"a":{"type":"string"},"l":{"enum":["refund","other"]}}})",
       R"({"a":"fixture","l":"not_a_label"})"},
      {"x !fault:invalid",
       R"({"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},
           "required":["a","b"]})",
       R"({"b":"fixture"})"},
  };
  FixtureServer s;
  ASSERT_TRUE(s.ok());
  auto client = NewCurlHttpClient(FastOptions());
  for (const Case& c : cases) {
    HttpRequest req = Chat(s, c.user);
    // ordered_json: the schema's property order is the output's.
    nlohmann::ordered_json body = nlohmann::ordered_json::parse(req.body);
    body["response_format"] = {
        {"type", "json_schema"},
        {"json_schema",
         {{"name", "out"}, {"strict", true}, {"schema", nlohmann::ordered_json::parse(c.schema)}}}};
    req.body = body.dump();
    Result<HttpResponse> r = RunOne(*client, req);
    ASSERT_TRUE(r.ok()) << ExpectOk(r);
    Json answer = Json::parse(r->body);
    std::string content = answer["choices"][0]["message"]["content"];
    EXPECT_EQ(content, c.want) << c.user;
    // ceil(chars / 4) both ways.
    EXPECT_EQ(answer["usage"]["prompt_tokens"], (std::string(c.user).size() + 3) / 4);
    EXPECT_EQ(answer["usage"]["completion_tokens"], (content.size() + 3) / 4);
  }
}

// Golden tables for the pure policy.

TEST(HttpPolicy, RetryableStatuses) {
  for (long s : {408, 429, 500, 502, 503, 504, 529}) EXPECT_TRUE(http::IsRetryableStatus(s)) << s;
  for (long s : {200, 301, 400, 401, 403, 404, 422, 501, 505}) {
    EXPECT_FALSE(http::IsRetryableStatus(s)) << s;
  }
}

TEST(HttpPolicy, BackoffIsFullJitterUnderACap) {
  struct Case {
    int retry;
    uint64_t random;
    int64_t want;
  };
  // base 100, max 1000: caps 100, 200, 400, 800, 1000, 1000.
  for (const Case& c : std::vector<Case>{{0, 0, 0},
                                         {0, 100, 100},
                                         {0, 101, 0},
                                         {1, 200, 200},
                                         {2, 400, 400},
                                         {3, 800, 800},
                                         {4, 1000, 1000},
                                         {4, 1001, 0},
                                         {60, 1000, 1000}}) {
    EXPECT_EQ(http::BackoffMs(c.retry, 100, 1000, c.random), c.want) << c.retry << " " << c.random;
  }
}

TEST(HttpPolicy, RetryAfter) {
  const int64_t now = 1700000000000;  // Tue, 14 Nov 2023 22:13:20 GMT
  struct Case {
    std::map<std::string, std::string> headers;
    int64_t want;
  };
  for (const Case& c : std::vector<Case>{
           {{}, -1},
           {{{"retry-after", "1"}}, 1000},
           {{{"retry-after", "0"}}, 0},
           {{{"retry-after", "2.5"}}, 2500},
           {{{"retry-after", "-3"}}, -1},
           {{{"retry-after", "soon"}}, -1},
           {{{"retry-after", "Tue, 14 Nov 2023 22:13:30 GMT"}}, 10000},
           {{{"retry-after", "Tue, 14 Nov 2023 22:13:00 GMT"}}, 0},
           {{{"retry-after-ms", "150"}, {"retry-after", "9"}}, 150},
       }) {
    EXPECT_EQ(http::RetryAfterMs(c.headers, now), c.want)
        << (c.headers.empty() ? "" : c.headers.begin()->second);
  }
}

TEST(HttpPolicy, UrlForMessageDropsCredentials) {
  EXPECT_EQ(http::UrlForMessage("https://api.openai.com/v1/chat/completions"),
            "https://api.openai.com/v1/chat/completions");
  EXPECT_EQ(http::UrlForMessage("https://u:p@host:8/a/b?key=s#frag"), "https://host:8/a/b");
  EXPECT_EQ(http::UrlForMessage("http://host/x@y"), "http://host/x@y");
}

TEST(HttpPolicy, BodySnippetIsCutAtACharacter) {
  EXPECT_EQ(http::BodySnippet("short"), "short");
  std::string long_body(499, 'a');
  long_body += "\xC3\xA9tail";  // "é" straddles byte 500
  EXPECT_EQ(http::BodySnippet(long_body), std::string(499, 'a') + "...");
  EXPECT_EQ(http::BodySnippet(std::string(800, 'b')), std::string(500, 'b') + "...");
}

TEST(HttpPolicy, StripHeaderValues) {
  EXPECT_EQ(http::StripHeaderValues("echo: Bearer sk-123456 and sk-123456",
                                    {"Authorization: Bearer sk-123456", "X-Short: ab"}),
            "echo: [REDACTED] and [REDACTED]");
}

TEST(HttpPolicy, TokenBucketPacesAfterABurstOfOneSecond) {
  http::TokenBucket unlimited;
  EXPECT_FALSE(unlimited.limited());
  EXPECT_EQ(unlimited.WaitMicros(1e9, 0), 0);

  http::TokenBucket b(120, 0);  // 2/s, capacity 2
  EXPECT_EQ(b.WaitMicros(1, 0), 0);
  b.Take(1, 0);
  b.Take(1, 0);
  EXPECT_EQ(b.WaitMicros(1, 0), 500'000);
  EXPECT_EQ(b.WaitMicros(1, 250'000), 250'000);
  EXPECT_EQ(b.WaitMicros(1, 500'000), 0);
  // An oversized cost waits for a full bucket, then leaves it in debt.
  EXPECT_EQ(b.WaitMicros(10, 500'000), 500'000);
  b.Take(10, 1'000'000);
  EXPECT_EQ(b.WaitMicros(1, 1'000'000), 4'500'000);
}

}  // namespace
}  // namespace centaur
