// FindResults reaches a run's results by one of three paths: from the items
// a text search matches, by scanning the run's rowids (when they are dense)
// or through the run's index. The lists are the same whichever it takes,
// however the runs' rows lie in the table.
#include <gtest/gtest.h>

#include "store/store.h"
#include "test_util.h"

namespace centaur {
namespace {

using testing_util::MakeItem;
using testing_util::MakeResult;
using testing_util::MakeRunSpec;
using testing_util::MustOpen;
using testing_util::TempDir;
using Ids = std::vector<std::string>;

const Ids kAll = {"i0", "i1", "i2", "i3", "i4", "i5"};
const Ids kOdd = {"i1", "i3", "i5"};

class PagesAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = MustOpen(dir_.db());
    ASSERT_NE(store_, nullptr);
    std::vector<Item> items;
    for (const std::string& id : kAll) items.push_back(MakeItem(id, "val", Json("a")));
    auto d = store_->CreateDataset("d", "d.csv", items);
    ASSERT_TRUE(d.ok()) << d.error().message;
    dataset_ = d->id;
    for (const char* v : {"v1", "v2", "v3"}) {
      TaskVersionRecord version;
      version.name = "intent";
      version.version = v;
      version.spec = Json{{"target", "label"}};
      ASSERT_TRUE(store_->PutTaskVersion(version).ok());
      auto run = store_->CreateRun(MakeRunSpec(dataset_, "val", v));
      ASSERT_TRUE(run.ok()) << run.error().message;
      runs_.push_back(run->id);
    }
  }

  // Item "i<n>" of `run`: wrong when n is odd, failed when n is 5.
  void Add(int64_t run, int n) {
    ResultRecord r = MakeResult(run, "i" + std::to_string(n));
    r.correct = n % 2 == 0;
    if (n == 5) r.status = "failed";
    ASSERT_TRUE(store_->AddResult(r).ok());
  }

  Ids Find(int64_t run, const std::string& kind, const std::string& text = "") {
    auto ids = store_->FindResults(run, {kind, text, std::nullopt, std::nullopt});
    EXPECT_TRUE(ids.ok()) << ids.error().message;
    return ids.ok() ? *ids : Ids{"<error>"};
  }

  void ExpectLists(int64_t run) {
    SCOPED_TRACE("run " + std::to_string(run));
    EXPECT_EQ(Find(run, ""), kAll);
    EXPECT_EQ(Find(run, "wrong"), kOdd);
    EXPECT_EQ(Find(run, "errors"), Ids{"i5"});
    EXPECT_EQ(Find(run, "wrong", "input"), kOdd);
    EXPECT_EQ(Find(run, "", "i4"), Ids{"i4"});
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  int64_t dataset_ = 0;
  std::vector<int64_t> runs_;
};

TEST_F(PagesAccessTest, InterleavedRuns) {
  // Each run's rows alternate with another's, in reverse item order.
  for (int n = 5; n >= 0; --n) {
    Add(runs_[0], n);
    Add(runs_[1], n);
  }
  ASSERT_TRUE(store_->Commit().ok());
  ExpectLists(runs_[0]);
  ExpectLists(runs_[1]);
}

TEST_F(PagesAccessTest, ARunResumedAfterOthers) {
  // The first run's rows span far more rowids than it has rows.
  Add(runs_[0], 3);
  Add(runs_[0], 0);
  for (int64_t other : {runs_[1], runs_[2]}) {
    for (int n = 0; n < 6; ++n) Add(other, n);
  }
  for (int n : {5, 1, 4, 2}) Add(runs_[0], n);
  ASSERT_TRUE(store_->Commit().ok());
  for (int64_t run : runs_) ExpectLists(run);
}

TEST_F(PagesAccessTest, CallsWithoutItemsInInsertionOrder) {
  RunSpec spec = MakeRunSpec(dataset_, "", "calls");
  spec.dataset_id = std::nullopt;
  auto run = store_->CreateRun(spec);
  ASSERT_TRUE(run.ok()) << run.error().message;
  for (const char* id : {"c", "a", "b"}) {
    ResultRecord r = MakeResult(run->id, id);
    r.status = std::string(id) == "a" ? "failed" : "ok";
    ASSERT_TRUE(store_->AddResult(r).ok());
  }
  ASSERT_TRUE(store_->Commit().ok());
  EXPECT_EQ(Find(run->id, ""), (Ids{"c", "a", "b"}));
  EXPECT_EQ(Find(run->id, "errors"), Ids{"a"});
  EXPECT_EQ(Find(run->id, "unlabeled"), (Ids{"c", "a", "b"}));
  EXPECT_EQ(Find(run->id, "", "input"), Ids{});
}

}  // namespace
}  // namespace centaur
