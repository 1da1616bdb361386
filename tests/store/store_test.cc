// The SQLite store's behaviour through the Store interface.
#include "store/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "test_util.h"

namespace centaur {
namespace {

using testing_util::MakeAttempt;
using testing_util::MakeItem;
using testing_util::MakeResult;
using testing_util::MustOpen;
using testing_util::TempDir;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = MustOpen(dir_.db());
    ASSERT_NE(store_, nullptr);
  }

  int64_t MakeDataset(const std::string& name, int n) {
    std::vector<Item> items;
    for (int i = 0; i < n; ++i) {
      std::optional<Json> gold;
      if (i % 3 != 0) gold = Json("g" + std::to_string(i));
      items.push_back(MakeItem("i" + std::to_string(i), i % 2 == 0 ? "val" : "test", gold));
    }
    auto info = store_->CreateDataset(name, name + ".csv", items);
    EXPECT_TRUE(info.ok()) << info.error().message;
    return info.ok() ? info->id : 0;
  }

  int64_t MakeRun(std::optional<int64_t> dataset_id, const std::string& identity,
                  const std::string& kind = "run") {
    RunSpec spec;
    spec.kind = kind;
    spec.task_name = "intent";
    spec.task_version = "v1";
    spec.model = "openai:gpt-4o-mini";
    spec.params = Json{{"temperature", 0}};
    spec.dataset_id = dataset_id;
    spec.split = dataset_id ? "all" : "";
    spec.identity = identity;
    auto run = store_->CreateRun(spec);
    EXPECT_TRUE(run.ok()) << run.error().message;
    return run.ok() ? run->id : 0;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, CreateFindAndListDatasets) {
  std::vector<Item> items = {MakeItem("a", "val", Json("x")), MakeItem("b", "test", std::nullopt),
                             MakeItem("c", "val", std::nullopt)};
  auto created = store_->CreateDataset("tickets", "/data/tickets.csv", items);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_GT(created->id, 0);
  EXPECT_EQ(created->items, 3);
  EXPECT_EQ(created->val_items, 2);
  EXPECT_EQ(created->test_items, 1);
  EXPECT_EQ(created->labeled, 1);

  auto found = store_->FindDataset("tickets");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, created->id);
  EXPECT_EQ(found->name, "tickets");
  EXPECT_EQ(found->source, "/data/tickets.csv");
  EXPECT_EQ(found->created_ms, created->created_ms);
  EXPECT_EQ(found->items, 3);
  EXPECT_EQ(found->val_items, 2);
  EXPECT_EQ(found->test_items, 1);
  EXPECT_EQ(found->labeled, 1);

  ASSERT_TRUE(store_->CreateDataset("empty", "e.csv", {}).ok());
  auto all = store_->ListDatasets();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "empty");
  EXPECT_EQ((*all)[0].items, 0);
  EXPECT_EQ((*all)[1].name, "tickets");
  EXPECT_EQ((*all)[1].labeled, 1);

  auto missing = store_->FindDataset("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, dir_.db() + ": no dataset named \"nope\"");
}

TEST_F(StoreTest, DuplicateDatasetNameIsAlreadyExists) {
  ASSERT_TRUE(store_->CreateDataset("d", "1.csv", {MakeItem("a", "val", std::nullopt)}).ok());
  auto again = store_->CreateDataset("d", "2.csv", {MakeItem("b", "val", std::nullopt)});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().message, dir_.db() + ": dataset \"d\" already exists");
  auto found = store_->FindDataset("d");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->source, "1.csv");
  EXPECT_EQ(found->items, 1);
}

TEST_F(StoreTest, FailedDatasetImportLeavesNothing) {
  // Pending group writes are committed first and survive the failed import.
  int64_t run = MakeRun(std::nullopt, "call", "call");
  ASSERT_TRUE(store_->AddResult(MakeResult(run, "x")).ok());

  // Items go in batches of 1,000 rows: fail in the third batch, after two
  // batches were written.
  std::vector<Item> items;
  for (int i = 0; i < 2500; ++i) items.push_back(MakeItem("i" + std::to_string(i), "val", 1));
  items.push_back(MakeItem("i7", "val", std::nullopt));
  auto created = store_->CreateDataset("d", "d.csv", items);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(created.error().message, "dataset \"d\": duplicate item id \"i7\"");
  EXPECT_EQ(store_->FindDataset("d").error().code, ErrorCode::kNotFound);

  items.back() = MakeItem("j", "train", std::nullopt);
  created = store_->CreateDataset("d", "d.csv", items);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().message,
            "dataset \"d\": item j: split must be \"val\" or \"test\", not \"train\"");

  items.pop_back();
  created = store_->CreateDataset("d", "d.csv", items);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->items, 2500);
  auto page = store_->ListItems(created->id, "all", 0, 5000);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->size(), 2500u);
  EXPECT_EQ(store_->FindDataset("d")->items, 2500);

  store_.reset();
  store_ = MustOpen(dir_.db());
  auto ids = store_->FinishedItemIds(run);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->size(), 1u);
}

TEST_F(StoreTest, ListItemsPagesInSeqOrderWithSplitFilter) {
  int64_t other = MakeDataset("other", 5);
  int64_t ds = MakeDataset("d", 250);
  for (const std::string split : {"all", "val", "test"}) {
    std::vector<Item> seen;
    int64_t after = 0;
    while (true) {
      auto page = store_->ListItems(ds, split, after, 60);
      ASSERT_TRUE(page.ok()) << page.error().message;
      if (page->empty()) break;
      EXPECT_LE(page->size(), 60u);
      for (Item& item : *page) {
        EXPECT_GT(item.seq, after);
        after = item.seq;
        seen.push_back(std::move(item));
      }
    }
    size_t expected = split == "all" ? 250u : 125u;
    ASSERT_EQ(seen.size(), expected) << split;
    for (size_t k = 0; k < seen.size(); ++k) {
      int i = split == "all" ? static_cast<int>(k)
                             : static_cast<int>(2 * k) + (split == "test" ? 1 : 0);
      const Item& item = seen[k];
      EXPECT_EQ(item.id, "i" + std::to_string(i));
      EXPECT_EQ(item.split, i % 2 == 0 ? "val" : "test");
      EXPECT_EQ(item.input, (Json{{"text", "input of i" + std::to_string(i)}}));
      if (i % 3 == 0) {
        EXPECT_FALSE(item.gold.has_value());
      } else {
        EXPECT_EQ(item.gold, Json("g" + std::to_string(i)));
      }
    }
  }
  auto other_items = store_->ListItems(other, "all", 0, 100);
  ASSERT_TRUE(other_items.ok());
  EXPECT_EQ(other_items->size(), 5u);
  EXPECT_TRUE(store_->ListItems(ds, "all", 0, 0)->empty());
  auto bad = store_->ListItems(ds, "train", 0, 10);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "split must be \"val\", \"test\" or \"all\", not \"train\"");
}

TEST_F(StoreTest, GoldNullIsKeptApartFromNoGold) {
  auto info = store_->CreateDataset(
      "d", "d.jsonl", {MakeItem("a", "val", Json(nullptr)), MakeItem("b", "val", std::nullopt)});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->labeled, 1);
  auto items = store_->ListItems(info->id, "all", 0, 10);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  ASSERT_TRUE((*items)[0].gold.has_value());
  EXPECT_TRUE((*items)[0].gold->is_null());
  EXPECT_FALSE((*items)[1].gold.has_value());
}

TEST_F(StoreTest, TaskVersionsAreIdempotent) {
  TaskVersionRecord v1{"intent", "aaa", "tasks/intent.yaml", "name: intent\n",
                       Json{{"prompt", "p1"}}};
  TaskVersionRecord v2{"intent", "bbb", "tasks/intent.yaml", "name: intent # 2\n",
                       Json{{"prompt", "p2"}}};
  ASSERT_TRUE(store_->PutTaskVersion(v1).ok());
  ASSERT_TRUE(store_->PutTaskVersion(v1).ok());
  ASSERT_TRUE(store_->PutTaskVersion(v2).ok());
  ASSERT_TRUE(store_->PutTaskVersion(v1).ok());
  ASSERT_TRUE(store_->PutTaskVersion({"other", "aaa", "o.yaml", "", Json::object()}).ok());
  auto list = store_->ListTaskVersions("intent");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].version, "aaa");
  EXPECT_EQ((*list)[0].source_path, "tasks/intent.yaml");
  EXPECT_EQ((*list)[0].source_text, "name: intent\n");
  EXPECT_EQ((*list)[0].spec, v1.spec);
  EXPECT_EQ((*list)[1].version, "bbb");
  EXPECT_EQ((*list)[1].spec, v2.spec);
  EXPECT_TRUE(store_->ListTaskVersions("none")->empty());
}

TEST_F(StoreTest, CreateFindFinishAndListRuns) {
  int64_t ds = MakeDataset("d", 4);
  RunSpec spec;
  spec.task_name = "intent";
  spec.task_version = "v1";
  spec.model = "openai:gpt-4o-mini";
  spec.params = Json{{"temperature", 0}, {"attempts", 3}};
  spec.dataset_id = ds;
  spec.split = "val";
  spec.limit = 2;
  spec.identity = "ident-1";
  auto created = store_->CreateRun(spec);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->status, "running");
  EXPECT_EQ(created->dataset_name, "d");
  EXPECT_EQ(created->finished_ms, 0);
  EXPECT_EQ(created->results, 0);
  EXPECT_EQ(created->cost, 0.0);
  EXPECT_GT(created->created_ms, 0);
  EXPECT_EQ(created->spec.params, spec.params);
  EXPECT_EQ(created->spec.limit, 2);
  EXPECT_EQ(created->spec.split, "val");
  EXPECT_EQ(created->spec.dataset_id, ds);

  auto unfinished = store_->FindUnfinishedRun("ident-1");
  ASSERT_TRUE(unfinished.ok());
  ASSERT_TRUE(unfinished->has_value());
  EXPECT_EQ((*unfinished)->id, created->id);
  EXPECT_FALSE(store_->FindUnfinishedRun("ident-2")->has_value());

  // A second unfinished run with the same identity: the newest wins.
  auto newer = store_->CreateRun(spec);
  ASSERT_TRUE(newer.ok());
  EXPECT_EQ((*store_->FindUnfinishedRun("ident-1"))->id, newer->id);

  ASSERT_TRUE(store_->FinishRun(newer->id).ok());
  EXPECT_EQ((*store_->FindUnfinishedRun("ident-1"))->id, created->id);
  ASSERT_TRUE(store_->FinishRun(created->id).ok());
  EXPECT_FALSE(store_->FindUnfinishedRun("ident-1")->has_value());

  auto done = store_->GetRun(created->id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, "done");
  EXPECT_GE(done->finished_ms, done->created_ms);
  EXPECT_EQ(done->cost, 0.0);

  int64_t call = MakeRun(std::nullopt, "call-1", "call");
  auto runs = store_->ListRuns(false);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].id, newer->id);
  EXPECT_EQ((*runs)[1].id, created->id);
  auto with_calls = store_->ListRuns(true);
  ASSERT_TRUE(with_calls.ok());
  ASSERT_EQ(with_calls->size(), 3u);
  EXPECT_EQ((*with_calls)[0].id, call);
  EXPECT_EQ((*with_calls)[0].dataset_name, "");
  EXPECT_FALSE((*with_calls)[0].spec.dataset_id.has_value());

  EXPECT_EQ(store_->GetRun(999).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetRun(999).error().message, dir_.db() + ": no run 999");
  EXPECT_EQ(store_->FinishRun(999).error().code, ErrorCode::kNotFound);
  spec.dataset_id = 12345;
  EXPECT_EQ(store_->CreateRun(spec).error().code, ErrorCode::kNotFound);
  spec.dataset_id.reset();
  spec.kind = "batch";
  EXPECT_EQ(store_->CreateRun(spec).error().code, ErrorCode::kInvalidArgument);
}

void ExpectAggregates(const RunInfo& run, std::optional<double> cost) {
  EXPECT_EQ(run.results, 4);
  EXPECT_EQ(run.succeeded, 3);
  EXPECT_EQ(run.failed, 1);
  EXPECT_EQ(run.calls, 3);  // 1 + 2 + 0 + 0 attempts that were not cache hits
  EXPECT_EQ(run.cache_hits, 1);
  EXPECT_EQ(run.input_tokens, 100 + 200 + 300 + 400);
  EXPECT_EQ(run.output_tokens, 10 + 20 + 30 + 40);
  ASSERT_EQ(run.cost.has_value(), cost.has_value());
  if (cost) {
    EXPECT_DOUBLE_EQ(*run.cost, *cost);
  }
  EXPECT_EQ(run.labeled, 3);
  EXPECT_EQ(run.correct, 2);
  EXPECT_DOUBLE_EQ(run.latency_ms, 1.5 + 2.5 + 3.5 + 4.5);
}

TEST_F(StoreTest, RunAggregatesWhileRunningAndWhenDone) {
  int64_t ds = MakeDataset("d", 10);
  int64_t run = MakeRun(ds, "r");
  int64_t other = MakeRun(ds, "o");
  ASSERT_TRUE(store_->AddResult(MakeResult(other, "i0")).ok());  // must not count

  std::vector<ResultRecord> rs;
  for (int i = 0; i < 4; ++i) {
    ResultRecord r = MakeResult(run, "i" + std::to_string(i));
    r.input_tokens = 100 * (i + 1);
    r.output_tokens = 10 * (i + 1);
    r.latency_ms = 1.5 + i;
    r.cost = 0.25 * (i + 1);
    rs.push_back(r);
  }
  rs[0].correct = true;
  rs[1].status = "failed";
  rs[1].output = Json();
  rs[1].error = "invalid output";
  rs[1].correct = false;
  rs[1].attempts.push_back(MakeAttempt(2, false, 0.1));
  rs[2].correct = true;
  rs[2].cache_hit = true;
  rs[2].attempts = {MakeAttempt(1, true, 0.0)};
  rs[3].attempts.clear();
  for (const ResultRecord& r : rs) ASSERT_TRUE(store_->AddResult(r).ok());

  // Running: computed from results, including uncommitted ones.
  auto live = store_->GetRun(run);
  ASSERT_TRUE(live.ok());
  ExpectAggregates(*live, 2.5);
  ASSERT_TRUE(store_->Commit().ok());

  // One result with an unknown cost makes the run's cost unknown.
  int64_t run2 = MakeRun(ds, "r2");
  for (ResultRecord r : rs) {
    r.run_id = run2;
    if (r.item_id == "i3") r.cost.reset();
    ASSERT_TRUE(store_->AddResult(r).ok());
  }
  ExpectAggregates(*store_->GetRun(run2), std::nullopt);

  auto listed = store_->ListRuns(false);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].id, run2);
  ExpectAggregates((*listed)[0], std::nullopt);
  EXPECT_EQ((*listed)[1].id, other);
  EXPECT_EQ((*listed)[1].results, 1);
  EXPECT_EQ((*listed)[2].id, run);
  ExpectAggregates((*listed)[2], 2.5);

  // Done: frozen by FinishRun, same numbers, also after reopening.
  ASSERT_TRUE(store_->FinishRun(run).ok());
  ASSERT_TRUE(store_->FinishRun(run2).ok());
  ExpectAggregates(*store_->GetRun(run), 2.5);
  store_.reset();
  store_ = MustOpen(dir_.db());
  ExpectAggregates(*store_->GetRun(run2), std::nullopt);
  listed = store_->ListRuns(false);
  ASSERT_TRUE(listed.ok());
  ExpectAggregates((*listed)[0], std::nullopt);
  ExpectAggregates((*listed)[2], 2.5);
  EXPECT_EQ((*listed)[1].status, "running");
  EXPECT_EQ((*listed)[1].results, 1);
}

TEST_F(StoreTest, DuplicateResultIsRejectedAndNotDoubled) {
  int64_t ds = MakeDataset("d", 3);
  int64_t run = MakeRun(ds, "r");
  ASSERT_TRUE(store_->AddResult(MakeResult(run, "i1")).ok());
  ResultRecord again = MakeResult(run, "i1");
  again.attempts.push_back(MakeAttempt(2, false, 0.5));
  Status st = store_->AddResult(again);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(st.error().message, "item i1 already has a result in run " + std::to_string(run));
  // Still committable, and nothing of the duplicate was written.
  ASSERT_TRUE(store_->Commit().ok());
  auto got = store_->GetResult(run, "i1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->attempts.size(), 1u);
  auto info = store_->GetRun(run);
  EXPECT_EQ(info->results, 1);
  EXPECT_EQ(info->calls, 1);
  // Also after a commit the duplicate is caught.
  EXPECT_EQ(store_->AddResult(MakeResult(run, "i1")).error().code, ErrorCode::kAlreadyExists);
}

TEST_F(StoreTest, InvalidResultsAreRejectedWithNothingWritten) {
  int64_t run = MakeRun(std::nullopt, "c", "call");
  ResultRecord r = MakeResult(run, "x");
  r.status = "done";
  EXPECT_EQ(store_->AddResult(r).error().code, ErrorCode::kInvalidArgument);
  r = MakeResult(run, "x");
  r.attempts[0].request_hash.clear();
  Status st = store_->AddResult(r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "item x: attempt 1 has a request body but no request_hash");
  r = MakeResult(run + 100, "x");
  st = store_->AddResult(r);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(st.error().message, dir_.db() + ": no run " + std::to_string(run + 100));
  EXPECT_TRUE(store_->FinishedItemIds(run)->empty());
  EXPECT_TRUE(store_->Commit().ok());

  // A finished run's aggregates are frozen: it takes no more results.
  ASSERT_TRUE(store_->FinishRun(run).ok());
  st = store_->AddResult(MakeResult(run, "late"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.error().message, dir_.db() + ": run " + std::to_string(run) +
                                    " is finished; no results can be added to it");
  EXPECT_TRUE(store_->FinishedItemIds(run)->empty());
}

TEST_F(StoreTest, ForEachResultStreamsInItemOrderWithFields) {
  int64_t ds = MakeDataset("d", 30);
  int64_t run = MakeRun(ds, "r");
  std::vector<int> order(30);
  for (int i = 0; i < 30; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  for (int i : order) {
    if (i == 17) continue;  // not done yet
    ResultRecord r = MakeResult(run, "i" + std::to_string(i));
    r.output = Json{{"label", i}};
    r.raw = "raw " + std::to_string(i);
    if (i % 3 != 0) r.correct = i % 2 == 0;
    if (i == 5) {
      r.status = "failed";
      r.output = Json();
      r.error = "schema mismatch";
      r.cost.reset();
      AttemptRecord a2 = MakeAttempt(2, false, std::nullopt);
      a2.request_hash = "h-other";
      a2.request_json = R"({"messages":["again"]})";
      a2.status = "invalid";
      a2.error = "missing label";
      r.attempts.push_back(a2);
    }
    ASSERT_TRUE(store_->AddResult(r).ok());
    if (i % 7 == 0) {
      ASSERT_TRUE(store_->Commit().ok());
    }
  }

  for (bool with_attempts : {false, true}) {
    std::vector<ResultRecord> seen;
    Status st = store_->ForEachResult(run, with_attempts, [&](const ResultRecord& r) {
      seen.push_back(r);
      return OkStatus();
    });
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_EQ(seen.size(), 29u);
    for (size_t k = 0; k < seen.size(); ++k) {
      int i = static_cast<int>(k < 17 ? k : k + 1);
      const ResultRecord& r = seen[k];
      EXPECT_EQ(r.run_id, run);
      EXPECT_EQ(r.item_id, "i" + std::to_string(i));
      EXPECT_EQ(r.input, (Json{{"text", "input of i" + std::to_string(i)}}));
      if (i % 3 == 0) {
        EXPECT_FALSE(r.gold.has_value());
        EXPECT_FALSE(r.correct.has_value());
      } else {
        EXPECT_EQ(r.gold, Json("g" + std::to_string(i)));
        EXPECT_EQ(r.correct, i % 2 == 0);
      }
      EXPECT_EQ(r.raw, "raw " + std::to_string(i));
      EXPECT_EQ(r.input_tokens, 10);
      EXPECT_EQ(r.output_tokens, 5);
      EXPECT_DOUBLE_EQ(r.latency_ms, 12.5);
      EXPECT_EQ(r.created_ms, 1700000000000);
      EXPECT_FALSE(r.cache_hit);
      if (i == 5) {
        EXPECT_EQ(r.status, "failed");
        EXPECT_TRUE(r.output.is_null());
        EXPECT_EQ(r.error, "schema mismatch");
        EXPECT_FALSE(r.cost.has_value());
      } else {
        EXPECT_EQ(r.status, "ok");
        EXPECT_EQ(r.output, (Json{{"label", i}}));
        EXPECT_EQ(r.cost, 0.001);
      }
      if (!with_attempts) {
        EXPECT_TRUE(r.attempts.empty());
        continue;
      }
      ASSERT_EQ(r.attempts.size(), i == 5 ? 2u : 1u);
      const AttemptRecord& a = r.attempts[0];
      AttemptRecord want = MakeAttempt(1, false, 0.001);
      EXPECT_EQ(a.attempt_no, 1);
      EXPECT_EQ(a.request_hash, want.request_hash);
      EXPECT_EQ(a.request_json, want.request_json);
      EXPECT_EQ(a.response_text, want.response_text);
      EXPECT_EQ(a.raw_body, want.raw_body);
      EXPECT_EQ(a.status, "ok");
      EXPECT_EQ(a.http_attempts, 1);
      EXPECT_EQ(a.input_tokens, 10);
      EXPECT_EQ(a.output_tokens, 5);
      EXPECT_EQ(a.cost, 0.001);
      EXPECT_FALSE(a.cache_hit);
      EXPECT_EQ(a.created_ms, 1700000000000);
      if (i == 5) {
        const AttemptRecord& b = r.attempts[1];
        EXPECT_EQ(b.attempt_no, 2);
        EXPECT_EQ(b.request_hash, "h-other");
        EXPECT_EQ(b.request_json, R"({"messages":["again"]})");
        EXPECT_EQ(b.status, "invalid");
        EXPECT_EQ(b.error, "missing label");
        EXPECT_FALSE(b.cost.has_value());
      }
    }
  }
}

TEST_F(StoreTest, ForEachResultStopsOnCallbackErrorAndAllowsReentry) {
  int64_t ds = MakeDataset("d", 5);
  int64_t run = MakeRun(ds, "r");
  int64_t other = MakeRun(ds, "other");
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->AddResult(MakeResult(run, "i" + std::to_string(i))).ok());
  }
  int calls = 0;
  Status st = store_->ForEachResult(run, false, [&](const ResultRecord& r) -> Status {
    ++calls;
    // Re-entering the store from the callback is allowed.
    auto same = store_->GetResult(run, r.item_id);
    EXPECT_TRUE(same.ok());
    int inner = 0;
    EXPECT_TRUE(store_
                    ->ForEachResult(run, true,
                                    [&](const ResultRecord&) {
                                      ++inner;
                                      return OkStatus();
                                    })
                    .ok());
    EXPECT_EQ(inner, 5);
    // Writing and committing while the outer statement is open is fine too.
    EXPECT_TRUE(store_->AddResult(MakeResult(other, r.item_id)).ok());
    EXPECT_TRUE(store_->Commit().ok());
    if (calls == 2) return MakeError(ErrorCode::kIo, "stop here");
    return OkStatus();
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "stop here");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(store_->FinishedItemIds(other)->size(), 2u);
  EXPECT_EQ(store_->ForEachResult(999, false, [](const ResultRecord&) { return OkStatus(); })
                .error()
                .code,
            ErrorCode::kNotFound);
}

TEST_F(StoreTest, CallRunsHaveNoInputAndKeepInsertionOrder) {
  int64_t run = MakeRun(std::nullopt, "c", "call");
  for (const char* id : {"z", "a", "m"}) ASSERT_TRUE(store_->AddResult(MakeResult(run, id)).ok());
  std::vector<std::string> ids;
  ASSERT_TRUE(store_
                  ->ForEachResult(run, false,
                                  [&](const ResultRecord& r) {
                                    EXPECT_TRUE(r.input.is_null());
                                    EXPECT_FALSE(r.gold.has_value());
                                    ids.push_back(r.item_id);
                                    return OkStatus();
                                  })
                  .ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"z", "a", "m"}));
}

TEST_F(StoreTest, GetResultAndFinishedItemIds) {
  int64_t ds = MakeDataset("d", 5);
  int64_t run = MakeRun(ds, "r");
  ASSERT_TRUE(store_->AddResult(MakeResult(run, "i1")).ok());
  ASSERT_TRUE(store_->AddResult(MakeResult(run, "i3")).ok());
  auto ids = store_->FinishedItemIds(run);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::unordered_set<std::string>{"i1", "i3"}));
  auto got = store_->GetResult(run, "i1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->input, (Json{{"text", "input of i1"}}));
  EXPECT_EQ(got->gold, Json("g1"));
  ASSERT_EQ(got->attempts.size(), 1u);
  EXPECT_EQ(got->attempts[0].request_json, MakeAttempt(1, false, 0).request_json);
  auto missing = store_->GetResult(run, "i2");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message,
            dir_.db() + ": item i2 has no result in run " + std::to_string(run));
}

TEST_F(StoreTest, CacheGetAndPut) {
  auto miss = store_->CacheGet("k");
  ASSERT_TRUE(miss.ok());
  EXPECT_FALSE(miss->has_value());
  ASSERT_TRUE(store_->CachePut({"k", "hello", "stop", 7, 3, 1700000000123}).ok());
  auto hit = store_->CacheGet("k");
  ASSERT_TRUE(hit.ok());
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ((*hit)->key, "k");
  EXPECT_EQ((*hit)->response_text, "hello");
  EXPECT_EQ((*hit)->finish_reason, "stop");
  EXPECT_EQ((*hit)->input_tokens, 7);
  EXPECT_EQ((*hit)->output_tokens, 3);
  EXPECT_EQ((*hit)->created_ms, 1700000000123);
  // --refresh overwrites.
  ASSERT_TRUE(store_->CachePut({"k", "again", "length", 8, 4, 0}).ok());
  ASSERT_TRUE(store_->Commit().ok());
  store_.reset();
  store_ = MustOpen(dir_.db());
  hit = store_->CacheGet("k");
  ASSERT_TRUE(hit.ok() && hit->has_value());
  EXPECT_EQ((*hit)->response_text, "again");
  EXPECT_EQ((*hit)->finish_reason, "length");
  EXPECT_GT((*hit)->created_ms, 0);
}

TEST_F(StoreTest, PendingWritesAreInvisibleToOthersUntilCommit) {
  int64_t run = MakeRun(std::nullopt, "c", "call");
  auto other = MustOpen(dir_.db());
  ASSERT_TRUE(store_->AddResult(MakeResult(run, "a")).ok());
  ASSERT_TRUE(store_->CachePut({"k", "v", "stop", 1, 1, 1}).ok());
  EXPECT_EQ(store_->FinishedItemIds(run)->size(), 1u);  // own writes: visible
  EXPECT_EQ(other->FinishedItemIds(run)->size(), 0u);
  EXPECT_FALSE(other->CacheGet("k")->has_value());
  ASSERT_TRUE(store_->Commit().ok());
  EXPECT_EQ(other->FinishedItemIds(run)->size(), 1u);
  EXPECT_TRUE(other->CacheGet("k")->has_value());
  ASSERT_TRUE(store_->Commit().ok());  // nothing pending: a no-op
}

// A read snapshot (BeginReads) holds no write lock: another connection
// writes meanwhile, the snapshot's reads do not see that until Commit ends
// the snapshot, and a write of its own ends the snapshot first.
TEST_F(StoreTest, ReadSnapshotLetsOthersWriteAndEndsAtCommitOrAWrite) {
  auto other = MustOpen(dir_.db());
  ASSERT_TRUE(store_->BeginReads().ok());
  EXPECT_FALSE(store_->CacheGet("k")->has_value());  // the snapshot starts here
  ASSERT_TRUE(other->CachePut({"k", "v", "stop", 1, 1, 1}).ok());
  ASSERT_TRUE(other->Commit().ok());
  EXPECT_FALSE(store_->CacheGet("k")->has_value());
  ASSERT_TRUE(store_->Commit().ok());
  EXPECT_TRUE(store_->CacheGet("k")->has_value());

  ASSERT_TRUE(store_->BeginReads().ok());
  EXPECT_FALSE(store_->CacheGet("k2")->has_value());
  ASSERT_TRUE(other->CachePut({"k2", "v", "stop", 1, 1, 1}).ok());
  ASSERT_TRUE(other->Commit().ok());
  ASSERT_TRUE(store_->CachePut({"k3", "w", "stop", 1, 1, 1}).ok());
  EXPECT_TRUE(store_->CacheGet("k2")->has_value());
  ASSERT_TRUE(store_->Commit().ok());
  EXPECT_TRUE(other->CacheGet("k3")->has_value());
}

TEST_F(StoreTest, ClosingCommitsPendingWrites) {
  int64_t run = MakeRun(std::nullopt, "c", "call");
  ASSERT_TRUE(store_->AddResult(MakeResult(run, "a")).ok());
  store_.reset();
  store_ = MustOpen(dir_.db());
  EXPECT_EQ(store_->FinishedItemIds(run)->size(), 1u);
}

TEST_F(StoreTest, ManyResultsStreamCompletely) {
  const int n = 20000;
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) items.push_back(MakeItem(std::to_string(i), "val", std::nullopt));
  auto ds = store_->CreateDataset("big", "big.csv", items);
  ASSERT_TRUE(ds.ok());
  int64_t run = MakeRun(ds->id, "big");
  for (int i = n - 1; i >= 0; --i) {
    ASSERT_TRUE(store_->AddResult(MakeResult(run, std::to_string(i))).ok());
  }
  ASSERT_TRUE(store_->Commit().ok());
  int next = 0;
  ASSERT_TRUE(store_
                  ->ForEachResult(run, false,
                                  [&](const ResultRecord& r) {
                                    EXPECT_EQ(r.item_id, std::to_string(next));
                                    ++next;
                                    return OkStatus();
                                  })
                  .ok());
  EXPECT_EQ(next, n);
}

}  // namespace
}  // namespace centaur
