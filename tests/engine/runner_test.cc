#include "engine/runner.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/call.h"
#include "engine/import.h"
#include "fake_provider.h"
#include "test_dir.h"

namespace centaur {
namespace {

const char* kTask = R"(name: intent
model: openai:gpt-4o-mini-2024-07-18
inputs: {text: {type: string}}
prompt:
  user: "Message: {{text}}"
output:
  type: object
  properties:
    thoughts: {type: string}
    label: {type: string, enum: [refund, other]}
  required: [thoughts, label]
  additionalProperties: false
target: label
attempts: 3
)";

std::string LastUser(const ChatRequest& r) { return r.messages.back().content; }

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("runner");
    auto store = OpenSqliteStore((dir_ / "c.db").string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    auto task = ParseTask(kTask, (dir_ / "task.yaml").string());
    ASSERT_TRUE(task.ok()) << task.error().message;
    task_ = std::move(task).value();
    prices_ = PriceTable::Default();
  }

  DatasetInfo Dataset(int n) {
    std::vector<Item> items;
    for (int i = 0; i < n; ++i) {
      Item item;
      item.id = "i" + std::to_string(i);
      item.input = {{"text", i % 2 == 0 ? "refund " + std::to_string(i) : "x" + std::to_string(i)}};
      item.gold = Json("refund");
      item.split = "val";
      items.push_back(item);
    }
    auto d = store_->CreateDataset("d", "mem", items);
    EXPECT_TRUE(d.ok());
    return *d;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  Task task_;
  PriceTable prices_;
  FakeClock clock_;
};

// Answers "refund" when the message says refund, else "other".
Result<ChatResponse> Classify(const ChatRequest& r) {
  std::string label = LastUser(r).find("refund") != std::string::npos ? "refund" : "other";
  return TextResponse(R"({"thoughts": "t", "label": ")" + label + R"("})");
}

TEST_F(RunnerTest, RunsEveryItemWithinConcurrencyAndCountsAccuracy) {
  DatasetInfo d = Dataset(20);
  FakeProvider provider(Classify);
  Runner runner(store_.get(), &provider, &prices_, &clock_);
  RunOptions options;
  options.concurrency = 3;
  auto s = runner.Run(task_, {"openai", "gpt-4o-mini-2024-07-18"}, d, options);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->run.results, 20);
  EXPECT_EQ(s->run.succeeded, 20);
  EXPECT_EQ(s->progress.calls, 20);
  EXPECT_EQ(provider.max_in_flight, 3);
  EXPECT_EQ(s->run.labeled, 20);
  EXPECT_EQ(s->run.correct, 10);
  ASSERT_TRUE(s->run.cost.has_value());
  EXPECT_GT(*s->run.cost, 0);
  EXPECT_EQ(s->run.status, "done");
}

// The run's cache writes wait for its next group commit (the fake clock
// never reaches one before the end), and a repeated item is still answered
// from them, not sent again.
TEST_F(RunnerTest, RepeatedItemIsServedFromTheCacheBeforeItIsCommitted) {
  std::vector<Item> items;
  for (const char* id : {"a", "b", "c"}) {
    Item item;
    item.id = id;
    item.input = {{"text", std::string(id) == "b" ? "other" : "refund please"}};
    item.split = "val";
    items.push_back(item);
  }
  auto d = store_->CreateDataset("dup", "mem", items);
  ASSERT_TRUE(d.ok());
  FakeProvider provider(Classify);
  Runner runner(store_.get(), &provider, &prices_, &clock_);
  RunOptions one_at_a_time;
  one_at_a_time.concurrency = 1;
  auto s = runner.Run(task_, {"openai", "gpt-4o-mini-2024-07-18"}, *d, one_at_a_time);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->progress.calls, 2);
  EXPECT_EQ(s->progress.cache_hits, 1);
  EXPECT_EQ(provider.requests.size(), 2u);
  EXPECT_EQ(s->run.succeeded, 3);
  auto a = store_->GetResult(s->run.id, "a");
  auto c = store_->GetResult(s->run.id, "c");
  ASSERT_TRUE(a.ok() && c.ok());
  EXPECT_FALSE(a->cache_hit);
  EXPECT_TRUE(c->cache_hit);
  ASSERT_EQ(c->attempts.size(), 1u);
  EXPECT_FALSE(c->attempts[0].request_json.empty());  // the body stored with a's attempt
  EXPECT_EQ(c->attempts[0].request_json, a->attempts[0].request_json);
}

TEST_F(RunnerTest, SecondRunIsServedFromCache) {
  DatasetInfo d = Dataset(10);
  FakeProvider provider(Classify);
  Runner runner(store_.get(), &provider, &prices_, &clock_);
  ModelRef model{"openai", "gpt-4o-mini-2024-07-18"};
  ASSERT_TRUE(runner.Run(task_, model, d, {}).ok());
  auto again = runner.Run(task_, model, d, {});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->resumed);
  EXPECT_EQ(again->progress.calls, 0);
  EXPECT_EQ(again->progress.cache_hits, 10);
  EXPECT_EQ(provider.requests.size(), 10u);
  EXPECT_EQ(*again->run.cost, 0.0);
  RunOptions refresh;
  refresh.refresh = true;
  auto third = runner.Run(task_, model, d, refresh);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->progress.calls, 10);
}

TEST_F(RunnerTest, InvalidOutputIsReaskedWithTheError) {
  DatasetInfo d = Dataset(1);
  int calls = 0;
  FakeProvider provider([&calls](const ChatRequest& r) -> Result<ChatResponse> {
    if (++calls == 1) return TextResponse(R"({"thoughts": "t", "label": "nope"})");
    EXPECT_EQ(r.messages.size(), 3u);
    EXPECT_EQ(r.messages[1].role, "assistant");
    EXPECT_EQ(r.messages[1].content, R"({"thoughts": "t", "label": "nope"})");
    EXPECT_NE(r.messages[2].content.find("/label"), std::string::npos) << r.messages[2].content;
    return TextResponse(R"({"thoughts": "t", "label": "refund"})");
  });
  Runner runner(store_.get(), &provider, &prices_, &clock_);
  auto s = runner.Run(task_, {"openai", "gpt-4o-mini-2024-07-18"}, d, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->run.succeeded, 1);
  auto r = store_->GetResult(s->run.id, "i0");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->attempts.size(), 2u);
  EXPECT_EQ(r->attempts[0].status, "invalid");
  EXPECT_EQ(r->attempts[1].status, "ok");
  EXPECT_EQ(r->input_tokens, 200);  // both attempts counted
}

TEST_F(RunnerTest, NeverValidKeepsRawOutputAndLastError) {
  DatasetInfo d = Dataset(1);
  FakeProvider provider(
      [](const ChatRequest&) -> Result<ChatResponse> { return TextResponse("not json at all"); });
  Runner runner(store_.get(), &provider, &prices_, &clock_);
  auto s = runner.Run(task_, {"openai", "gpt-4o-mini-2024-07-18"}, d, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->run.failed, 1);
  EXPECT_EQ(provider.requests.size(), 3u);  // attempts: 3, the first included
  auto r = store_->GetResult(s->run.id, "i0");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->raw, "not json at all");
  EXPECT_FALSE(r->error.empty());
  EXPECT_EQ(r->correct, std::optional<bool>(false));
  // Invalid outputs are never cached: a new run calls again.
  auto again = runner.Run(task_, {"openai", "gpt-4o-mini-2024-07-18"}, d, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->progress.calls, 3);
}

TEST_F(RunnerTest, ApiErrorsAreRetriedWithoutTouchingTheConversation) {
  DatasetInfo d = Dataset(1);
  int calls = 0;
  FakeProvider provider([&calls](const ChatRequest& r) -> Result<ChatResponse> {
    EXPECT_EQ(r.messages.size(), 1u);
    if (++calls == 1) return MakeError(ErrorCode::kParse, "openai: malformed response body");
    return Classify(r);
  });
  Runner runner(store_.get(), &provider, &prices_, &clock_);
  auto s = runner.Run(task_, {"openai", "gpt-4o-mini-2024-07-18"}, d, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->run.succeeded, 1);
  EXPECT_EQ(s->progress.api_errors, 1);
}

TEST_F(RunnerTest, PersistentApiErrorFailsTheItem) {
  DatasetInfo d = Dataset(2);
  FakeProvider provider([](const ChatRequest&) -> Result<ChatResponse> {
    return MakeError(ErrorCode::kHttp, "openai: HTTP 500 after 7 tries");
  });
  Runner runner(store_.get(), &provider, &prices_, &clock_);
  auto s = runner.Run(task_, {"openai", "gpt-4o-mini-2024-07-18"}, d, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->run.failed, 2);
  EXPECT_EQ(provider.requests.size(), 2u * (CallPolicy::kDefaultMaxApiErrors + 1));
  auto r = store_->GetResult(s->run.id, "i0");
  EXPECT_EQ(r->error, "openai: HTTP 500 after 7 tries");
}

TEST_F(RunnerTest, UnknownPriceMakesCostUnknown) {
  DatasetInfo d = Dataset(2);
  FakeProvider provider(Classify);
  Runner runner(store_.get(), &provider, &prices_, &clock_);
  auto s = runner.Run(task_, {"openai", "no-such-model-xyz"}, d, {});
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->run.cost.has_value());
}

TEST_F(RunnerTest, UnfinishedRunResumesOnlyMissingItems) {
  DatasetInfo d = Dataset(6);
  ModelRef model{"openai", "gpt-4o-mini-2024-07-18"};
  RunOptions options;
  // An interrupted run: two items have results, the run never finished.
  RunSpec spec;
  spec.task_name = task_.name;
  spec.task_version = task_.version;
  spec.model = model.ToString();
  spec.dataset_id = d.id;
  spec.split = "val";
  spec.identity = RunIdentity(task_, model, d, options);
  auto run = store_->CreateRun(spec);
  ASSERT_TRUE(run.ok());
  for (const char* id : {"i0", "i3"}) {
    ResultRecord r;
    r.run_id = run->id;
    r.item_id = id;
    r.status = "ok";
    r.output = {{"thoughts", "t"}, {"label", "refund"}};
    ASSERT_TRUE(store_->AddResult(r).ok());
  }
  ASSERT_TRUE(store_->Commit().ok());

  FakeProvider provider(Classify);
  Runner runner(store_.get(), &provider, &prices_, &clock_);
  auto s = runner.Run(task_, model, d, options);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->resumed);
  EXPECT_EQ(s->run.id, run->id);
  EXPECT_EQ(s->progress.skipped, 2);
  EXPECT_EQ(s->progress.calls, 4);
  EXPECT_EQ(s->run.results, 6);
  for (const ChatRequest& r : provider.requests) {
    EXPECT_EQ(r.messages.back().content.find("refund 0"), std::string::npos);
  }
  // Finished now: the same command makes a new run, from the cache.
  auto again = runner.Run(task_, model, d, options);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->resumed);
  EXPECT_NE(again->run.id, run->id);
  EXPECT_EQ(again->progress.cache_hits, 4);
  EXPECT_EQ(again->progress.calls, 2);  // the two results that were stored by hand
}

TEST_F(RunnerTest, MissingInputFieldIsAClearError) {
  std::vector<Item> items(1);
  items[0].id = "a";
  items[0].input = {{"message", "hi"}};
  items[0].split = "val";
  auto d = store_->CreateDataset("m", "mem", items);
  ASSERT_TRUE(d.ok());
  FakeProvider provider(Classify);
  Runner runner(store_.get(), &provider, &prices_, &clock_);
  auto s = runner.Run(task_, {"openai", "m"}, *d, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message,
            "the data has no field \"text\" for task input \"text\" (fields: message); map one "
            "with --map text=FIELD");
  RunOptions mapped;
  mapped.input_map = {{"text", "message"}};
  auto ok = runner.Run(task_, {"openai", "m"}, *d, mapped);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->run.succeeded, 1);
}

TEST_F(RunnerTest, CallOnceIsTracedAsACallRun) {
  FakeProvider provider(Classify);
  CallPolicy policy;
  auto out = CallOnce(store_.get(), &provider, &prices_, &clock_, task_,
                      {"openai", "gpt-4o-mini-2024-07-18"}, {{"text", "refund me"}}, policy);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->result.status, "ok");
  EXPECT_EQ(out->result.output["label"], "refund");
  auto runs = store_->ListRuns(true);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].spec.kind, "call");
  EXPECT_TRUE(store_->ListRuns(false)->empty());
  auto again = CallOnce(store_.get(), &provider, &prices_, &clock_, task_,
                        {"openai", "gpt-4o-mini-2024-07-18"}, {{"text", "refund me"}}, policy);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->result.cache_hit);
  EXPECT_EQ(provider.requests.size(), 1u);
}

}  // namespace
}  // namespace centaur
