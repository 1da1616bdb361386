// The JSON API through Api::Handle (no sockets): routes, request parsing,
// error statuses and texts, the token and host checks.
#include "server/api.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "server/http.h"

namespace centaur::server {
namespace {

class TempDb {
 public:
  TempDb() {
    std::string tmpl = ::testing::TempDir() + "centaur_api_XXXXXX";
    char* p = mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    dir_ = tmpl;
  }
  ~TempDb() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string path() const { return dir_ + "/centaur.db"; }

 private:
  std::string dir_;
};

// A classification task (labels card, refund, other) run twice over five items.
class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(db_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    std::unique_ptr<Store> store = std::move(opened).value();
    std::vector<Item> items;
    const char* texts[] = {"card not arrived", "refund please", "refund my card", "hello there",
                           "card declined"};
    const char* gold[] = {"card", "refund", "refund", nullptr, "card"};
    for (int i = 0; i < 5; ++i) {
      Item item;
      item.id = "i" + std::to_string(i);
      item.input = Json{{"text", texts[i]}};
      if (gold[i] != nullptr) item.gold = Json(gold[i]);
      item.split = "val";
      items.push_back(item);
    }
    auto d = store->CreateDataset("tickets", "t.csv", items);
    ASSERT_TRUE(d.ok()) << d.error().message;
    TaskVersionRecord v;
    v.name = "intent";
    v.version = "v1";
    v.source_path = "task.yaml";
    v.source_text = "name: intent\n";
    v.spec = Json{{"target", "label"},
                  {"output",
                   {{"type", "object"},
                    {"properties",
                     {{"thoughts", {{"type", "string"}}},
                      {"label", {{"type", "string"}, {"enum", {"card", "refund", "other"}}}}}}}}};
    ASSERT_TRUE(store->PutTaskVersion(v).ok());
    const char* predictions[2][5] = {{"card", "refund", "card", "other", "card"},
                                     {"card", "refund", "refund", "other", "refund"}};
    for (int r = 0; r < 2; ++r) {
      RunSpec spec;
      spec.task_name = "intent";
      spec.task_version = "v1";
      spec.model = r == 0 ? "openai:a" : "openai:b";
      spec.params = Json::object();
      spec.dataset_id = d->id;
      spec.split = "val";
      spec.identity = "run" + std::to_string(r);
      auto run = store->CreateRun(spec);
      ASSERT_TRUE(run.ok());
      for (int i = 0; i < 5; ++i) {
        ResultRecord res;
        res.run_id = run->id;
        res.item_id = "i" + std::to_string(i);
        res.status = "ok";
        res.output = Json{{"thoughts", std::string("thinking about ") + texts[i]},
                          {"label", predictions[r][i]}};
        res.raw = res.output.dump();
        if (gold[i] != nullptr) res.correct = std::string(gold[i]) == predictions[r][i];
        AttemptRecord a;
        a.attempt_no = 1;
        a.request_hash = "h" + std::to_string(i);
        a.request_json =
            Json{{"messages",
                  {{{"role", "system"}, {"content", "Route the message."}},
                   {{"role", "user"}, {"content", std::string("Message: ") + texts[i]}}}}}
                .dump();
        a.response_text = res.raw;
        a.status = "ok";
        a.latency_ms = 10;
        res.attempts.push_back(a);
        ASSERT_TRUE(store->AddResult(res).ok());
      }
      ASSERT_TRUE(store->FinishRun(run->id).ok());
    }
    pool_ = std::make_unique<StorePool>(db_.path(), 2);
    api_ = std::make_unique<Api>(pool_.get(), ApiOptions{});
  }

  HttpResponse Get(const std::string& target) { return Call("GET", target, ""); }
  HttpResponse Post(const std::string& target, const std::string& body) {
    return Call("POST", target, body);
  }
  HttpResponse Call(const std::string& method, const std::string& target, const std::string& body,
                    Api* api = nullptr) {
    HttpRequest r;
    r.method = method;
    size_t q = target.find('?');
    r.segments = SplitPath(target.substr(0, q));
    r.segments.erase(r.segments.begin());  // "api"
    if (q != std::string::npos) r.query = ParseQuery(target.substr(q + 1));
    r.host = "127.0.0.1:8337";
    r.content_type = "application/json";
    r.body = body;
    return (api ? api : api_.get())->Handle(r);
  }
  static Json Body(const HttpResponse& r) { return Json::parse(r.body); }
  static std::string ErrorOf(const HttpResponse& r) { return Body(r).value("error", ""); }

  TempDb db_;
  std::unique_ptr<StorePool> pool_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, VersionAndRuns) {
  EXPECT_EQ(Body(Get("/api"))["api"], 1);
  HttpResponse r = Get("/api/runs");
  ASSERT_EQ(r.status, 200) << r.body;
  Json runs = Body(r);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["run_id"], 2);  // newest first
  EXPECT_EQ(runs[1]["task"], "intent");
  EXPECT_EQ(runs[1]["items"], 5);
  EXPECT_DOUBLE_EQ(runs[1]["accuracy"].get<double>(), 3.0 / 4);
  EXPECT_EQ(Body(Get("/api/runs?task=other")).size(), 0u);
  Json run = Body(Get("/api/runs/1"));
  EXPECT_EQ(run["target"]["field"], "label");
  EXPECT_EQ(run["target"]["labels"], Json({"card", "refund", "other"}));
}

TEST_F(ApiTest, UnknownIdsAre404AndBadIds400) {
  HttpResponse r = Get("/api/runs/99");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorOf(r), "no run 99");
  r = Get("/api/runs/abc");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorOf(r), "run id must be an integer from 1 to 9223372036854775807, not \"abc\"");
  r = Get("/api/runs/1/items/nope/trace");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorOf(r), "item \"nope\" has no result in run 1");
  EXPECT_EQ(Get("/api/runs/99/results").status, 404);
  EXPECT_EQ(Get("/api/runs/99/metrics").status, 404);
  EXPECT_EQ(ErrorOf(Get("/api/runs/99/metrics")), "no run 99");
  EXPECT_EQ(Get("/api/compare?a=1&b=99").status, 404);
  r = Get("/api/nothing/here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorOf(r), "no API endpoint /api/nothing/here");
  r = Post("/api/runs", "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(ErrorOf(r), "POST is not allowed on /api/runs");
}

TEST_F(ApiTest, ResultsArePagedFilteredAndSearched) {
  Json page = Body(Get("/api/runs/1/results?offset=1&limit=2"));
  EXPECT_EQ(page["total"], 5);
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["item_id"], "i1");
  EXPECT_EQ(page["items"][0]["prediction"], "refund");
  EXPECT_EQ(page["items"][0]["gold"], "refund");
  EXPECT_EQ(page["items"][0]["thoughts"], "thinking about refund please");
  EXPECT_EQ(page["items"][0]["input"]["text"], "refund please");
  EXPECT_EQ(page["items"][0]["attempts"], 1);
  Json wrong = Body(Get("/api/runs/1/results?filter=wrong"));
  ASSERT_EQ(wrong["total"], 1);
  EXPECT_EQ(wrong["items"][0]["item_id"], "i2");
  EXPECT_EQ(Body(Get("/api/runs/1/results?filter=unlabeled"))["items"][0]["item_id"], "i3");
  EXPECT_EQ(Body(Get("/api/runs/1/results?q=card"))["total"], 3);
  EXPECT_EQ(Body(Get("/api/runs/1/results?q=card+refund"))["total"], 1);
  Json cell = Body(Get("/api/runs/1/results?gold=refund&pred=card"));
  ASSERT_EQ(cell["total"], 1);
  EXPECT_EQ(cell["items"][0]["item_id"], "i2");
  EXPECT_EQ(Body(Get("/api/runs/1/results?offset=10"))["items"].size(), 0u);

  HttpResponse r = Get("/api/runs/1/results?filter=bogus");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorOf(r),
            "unknown result filter \"bogus\" (expected wrong, unlabeled, disagreements, errors or "
            "invalid)");
  r = Get("/api/runs/1/results?limit=0");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorOf(r), "limit must be an integer from 1 to 1000, not \"0\"");
  EXPECT_EQ(ErrorOf(Get("/api/runs/1/results?offset=-1")),
            "offset must be an integer from 0 to 2147483647, not \"-1\"");
  EXPECT_EQ(ErrorOf(Get("/api/runs/1/results?sort=x")),
            "unknown parameter \"sort\" (expected offset, limit, filter, q, gold or pred)");
}

TEST_F(ApiTest, TraceHasEveryAttemptsMessages) {
  HttpResponse r = Get("/api/runs/1/items/i0/trace");
  ASSERT_EQ(r.status, 200) << r.body;
  Json t = Body(r);
  ASSERT_EQ(t["attempts"].size(), 1u);
  const Json& a = t["attempts"][0];
  EXPECT_EQ(a["messages"][0], Json({{"role", "system"}, {"content", "Route the message."}}));
  EXPECT_EQ(a["messages"][1]["content"], "Message: card not arrived");
  EXPECT_EQ(a["status"], "ok");
  EXPECT_EQ(a["cache_hit"], false);
  EXPECT_EQ(t["run"]["run_id"], 1);
  EXPECT_EQ(t["annotations"].size(), 0u);
}

TEST_F(ApiTest, AnnotationsLabelAcceptNoteSkipUndo) {
  // Label the unlabeled item; the wrong one by accepting is not possible to
  // fake: accept takes the model's answer.
  HttpResponse r = Post("/api/annotations",
                        R"({"run_id": 1, "item_id": "i3", "action": "label", "label": "other"})");
  ASSERT_EQ(r.status, 201) << r.body;
  Json a = Body(r);
  EXPECT_EQ(a["annotation"]["action"], "label");
  EXPECT_EQ(a["annotation"]["annotator"], "annotator");
  EXPECT_EQ(a["gold"], "other");
  EXPECT_EQ(Body(Get("/api/runs/1/results?filter=unlabeled"))["total"], 0);  // index refreshed

  r = Post("/api/annotations",
           R"({"run_id": 1, "item_id": "i2", "action": "accept", "annotator": "ann"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["annotation"]["label"], "card");
  EXPECT_EQ(Body(Get("/api/runs/1/results?filter=wrong"))["total"], 0);
  EXPECT_EQ(Post("/api/annotations",
                 R"({"run_id": 1, "item_id": "i2", "action": "note", "note": "ambiguous"})")
                .status,
            201);
  EXPECT_EQ(Post("/api/annotations", R"({"run_id": 1, "item_id": "i4", "action": "skip"})").status,
            201);
  Json trace = Body(Get("/api/runs/1/items/i2/trace"));
  ASSERT_EQ(trace["annotations"].size(), 2u);
  EXPECT_EQ(trace["annotations"][1]["note"], "ambiguous");

  // Undo takes back ann's accept of i2: the imported gold (refund) is back.
  r = Post("/api/annotations", R"({"run_id": 1, "action": "undo", "annotator": "ann"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["annotation"]["item_id"], "i2");
  EXPECT_EQ(Body(r)["gold"], "refund");
  r = Post("/api/annotations", R"({"run_id": 1, "action": "undo", "annotator": "ann"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorOf(r), "ann has nothing to undo in run 1");
  EXPECT_EQ(Body(Get("/api/runs/1/results?filter=wrong"))["total"], 1);
}

TEST_F(ApiTest, BadAnnotationRequests) {
  struct Case {
    const char* body;
    int status;
    const char* error;
  } cases[] = {
      {"{not json", 400, "request body is not valid JSON"},
      {"[1, 2]", 400, "request body must be a JSON object"},
      {R"({"item_id": "i1", "action": "skip"})", 400, "\"run_id\" is required"},
      {R"({"run_id": "1", "item_id": "i1", "action": "skip"})", 400,
       "\"run_id\" must be a positive integer"},
      {R"({"run_id": 1, "item_id": "i1", "action": "delete"})", 400,
       "\"action\" must be one of label, accept, note, skip, undo"},
      {R"({"run_id": 1, "item_id": "i1", "action": "label"})", 400,
       "a \"label\" action needs a \"label\""},
      {R"({"run_id": 1, "item_id": "i1", "action": "accept", "label": "x"})", 400,
       "a \"accept\" action takes no \"label\""},
      {R"({"run_id": 1, "item_id": "i1", "action": "note"})", 400,
       "a \"note\" action needs a \"note\""},
      {R"({"run_id": 1, "action": "skip"})", 400, "\"item_id\" is required"},
      {R"({"run_id": 1, "item_id": 7, "action": "skip"})", 400, "\"item_id\" must be a string"},
      {R"({"run_id": 1, "item_id": "i1", "action": "skip", "extra": 1})", 400,
       "unknown field \"extra\" in the annotation"},
      {R"({"run_id": 1, "item_id": "i1", "action": "label", "label": "nope"})", 400,
       "label \"nope\" is not one of the task's classes: card, refund, other"},
      {R"({"run_id": 9, "item_id": "i1", "action": "skip"})", 404, "no run 9"},
      {R"({"run_id": 1, "item_id": "zz", "action": "skip"})", 404,
       "item \"zz\" has no result in run 1"},
      {R"({"run_id": 1, "action": "undo", "undoes": 42})", 404,
       "no annotation 42 in this dataset to undo"},
  };
  for (const Case& c : cases) {
    HttpResponse r = Post("/api/annotations", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_EQ(ErrorOf(r), c.error) << c.body;
  }
}

TEST_F(ApiTest, Protocol) {
  Json p = Body(Get("/api/protocol/intent"));
  EXPECT_TRUE(p["current"].is_null());
  HttpResponse r = Post("/api/protocol/intent/append", R"({"rule": "Fees are refunds."})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["version"], 1);
  r = Post("/api/protocol/intent/append", R"({"rule": "Greetings are other.", "author": "bo"})");
  EXPECT_EQ(Body(r)["version"], 2);
  p = Body(Get("/api/protocol/intent"));
  EXPECT_EQ(p["current"]["text"], "- Fees are refunds.\n- Greetings are other.\n");
  EXPECT_EQ(p["current"]["author"], "bo");
  EXPECT_EQ(p["versions"].size(), 2u);
  // Annotations record the protocol version in force.
  r = Post("/api/annotations", R"({"run_id": 1, "item_id": "i1", "action": "accept"})");
  EXPECT_EQ(Body(r)["annotation"]["protocol_version"], 2);
  r = Post("/api/protocol/intent/append", R"({"rule": "  "})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorOf(r), "\"rule\" must not be empty");
  EXPECT_EQ(ErrorOf(Post("/api/protocol/intent/append", "nope")), "request body is not valid JSON");
}

TEST_F(ApiTest, MetricsCompareHistory) {
  HttpResponse r = Get("/api/runs/1/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  Json m = Body(r);
  EXPECT_EQ(m["labels"], Json({"card", "refund", "other"}));
  EXPECT_EQ(m["confusion"], Json({{2, 0, 0}, {1, 1, 0}, {0, 0, 0}}));
  EXPECT_DOUBLE_EQ(m["accuracy"].get<double>(), 0.75);
  EXPECT_EQ(m["per_class"].size(), 3u);
  EXPECT_EQ(m["unlabeled"], 1);
  EXPECT_FALSE(m["ci"]["accuracy"].is_null());

  r = Get("/api/compare?a=1&b=2");
  ASSERT_EQ(r.status, 200) << r.body;
  Json c = Body(r);
  EXPECT_EQ(c["compared"], 4);
  EXPECT_DOUBLE_EQ(c["delta"]["accuracy"]["delta"].get<double>(), 0.0);
  ASSERT_EQ(c["flipped_to_right"].size(), 1u);
  EXPECT_EQ(c["flipped_to_right"][0]["item_id"], "i2");
  EXPECT_EQ(c["flipped_to_wrong"][0]["item_id"], "i4");
  EXPECT_EQ(c["flipped_to_wrong"][0]["b"]["value"], "refund");
  EXPECT_EQ(ErrorOf(Get("/api/compare?a=1")),
            "b (run id) must be an integer from 1 to 9223372036854775807, not \"\"");

  r = Get("/api/metrics/history?task=intent");
  ASSERT_EQ(r.status, 200) << r.body;
  Json h = Body(r);
  ASSERT_EQ(h["versions"].size(), 1u);
  EXPECT_EQ(h["versions"][0]["val"].size(), 2u);  // one per model
  EXPECT_EQ(ErrorOf(Get("/api/metrics/history")), "task is required (?task=NAME)");
  EXPECT_EQ(Get("/api/metrics/history?task=nope").status, 404);
}

TEST_F(ApiTest, TokenHostOriginAndContentType) {
  ApiOptions options;
  options.token = "s3cret";
  options.loopback_only = false;
  Api guarded(pool_.get(), options);
  HttpResponse r = Call("GET", "/api/runs", "", &guarded);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ErrorOf(r),
            "this server needs its token: send \"Authorization: Bearer TOKEN\" or add "
            "?token=TOKEN");
  EXPECT_EQ(Call("GET", "/api/runs?token=wrong", "", &guarded).status, 401);
  EXPECT_EQ(Call("GET", "/api/runs?token=s3cre", "", &guarded).status, 401);
  EXPECT_EQ(Call("GET", "/api/runs?token=s3cret", "", &guarded).status, 200);
  HttpRequest bearer;
  bearer.method = "GET";
  bearer.segments = {"runs"};
  bearer.authorization = "Bearer s3cret";
  EXPECT_EQ(guarded.Handle(bearer).status, 200);
  // ?token= is not a results parameter.
  EXPECT_EQ(Call("GET", "/api/runs/1/results?token=s3cret", "", &guarded).status, 200);

  HttpRequest rebound;
  rebound.method = "GET";
  rebound.segments = {"runs"};
  rebound.host = "evil.example:8337";
  r = api_->Handle(rebound);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorOf(r),
            "requests must be addressed to a loopback host (127.0.0.1, localhost or [::1])");
  rebound.host = "localhost:8337";
  EXPECT_EQ(api_->Handle(rebound).status, 200);

  HttpRequest post;
  post.method = "POST";
  post.segments = {"annotations"};
  post.host = "127.0.0.1:8337";
  post.content_type = "text/plain";
  post.body = R"({"run_id": 1, "item_id": "i1", "action": "skip"})";
  r = api_->Handle(post);
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(ErrorOf(r), "request body must be application/json");
  post.content_type = "application/json";
  post.origin = "http://evil.example";
  r = api_->Handle(post);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorOf(r), "cross-origin requests are refused");
  post.origin = "http://127.0.0.1:8337";
  EXPECT_EQ(api_->Handle(post).status, 201);
}

TEST(HttpTest, PathAndQueryDecoding) {
  EXPECT_EQ(SplitPath("/api/runs/1/items/a%2Fb%20c/trace"),
            (std::vector<std::string>{"api", "runs", "1", "items", "a/b c", "trace"}));
  EXPECT_EQ(SplitPath("//x//"), (std::vector<std::string>{"x"}));
  auto q = ParseQuery("q=a+b%26c&x&q=second&=v&bad=%zz");
  EXPECT_EQ(q["q"], "a b&c");
  EXPECT_EQ(q["x"], "");
  EXPECT_EQ(q["bad"], "%zz");
  EXPECT_EQ(q.count(""), 0u);
  EXPECT_EQ(PercentDecode("%", false), "%");
  EXPECT_EQ(PercentDecode("a%4", false), "a%4");
}

}  // namespace
}  // namespace centaur::server
