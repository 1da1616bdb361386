// Annotations and protocols through the Store interface: append-only records,
// the latest label per annotator, undo, and the effective gold that reads
// (ListItems, ForEachResult, GetResult) see.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>

#include "store/schema.h"
#include "store/store.h"
#include "test_util.h"

namespace centaur {
namespace {

using testing_util::MakeItem;
using testing_util::MakeResult;
using testing_util::MakeRunSpec;
using testing_util::MustOpen;
using testing_util::TempDir;

class AnnotationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = MustOpen(dir_.db());
    ASSERT_NE(store_, nullptr);
    auto info =
        store_->CreateDataset("d", "d.csv",
                              {MakeItem("a", "val", Json("x")), MakeItem("b", "val", std::nullopt),
                               MakeItem("c", "test", std::nullopt)});
    ASSERT_TRUE(info.ok()) << info.error().message;
    dataset_ = info->id;
  }

  Annotation Make(const std::string& item, const std::string& who, const std::string& action,
                  std::optional<Json> label = std::nullopt) {
    Annotation a;
    a.dataset_id = dataset_;
    a.item_id = item;
    a.annotator = who;
    a.action = action;
    a.label = std::move(label);
    return a;
  }

  int64_t Add(const Annotation& a) {
    auto added = store_->AddAnnotation(a);
    EXPECT_TRUE(added.ok()) << added.error().message;
    return added.ok() ? added->id : 0;
  }

  int64_t Label(const std::string& item, const std::string& who, const std::string& label) {
    return Add(Make(item, who, "label", Json(label)));
  }

  int64_t Undo(int64_t id, const std::string& who) {
    Annotation a = Make("", who, "undo");
    a.undoes = id;
    return Add(a);
  }

  // Effective gold per item as ListItems reports it ("" for none).
  std::map<std::string, std::string> Gold() {
    std::map<std::string, std::string> out;
    auto items = store_->ListItems(dataset_, "all", 0, 100);
    EXPECT_TRUE(items.ok());
    for (const Item& item : *items) out[item.id] = item.gold ? item.gold->get<std::string>() : "";
    return out;
  }

  // Current labels as "item:annotator=label".
  std::vector<std::string> Current() {
    std::vector<std::string> out;
    auto labels = store_->CurrentLabels(dataset_);
    EXPECT_TRUE(labels.ok());
    for (const Annotation& a : *labels) {
      out.push_back(a.item_id + ":" + a.annotator + "=" + a.label->get<std::string>());
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  int64_t dataset_ = 0;
};

TEST_F(AnnotationsTest, AddedRecordsComeBackInOrderAndSurviveReopening) {
  Annotation note = Make("b", "ann", "note");
  note.note = "ambiguous wording";
  note.protocol_version = 2;
  note.created_ms = 1700000000123;
  auto added = store_->AddAnnotation(note);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_GT(added->id, 0);
  EXPECT_EQ(added->created_ms, 1700000000123);
  Label("b", "ann", "y");
  Add(Make("c", "ann", "skip"));

  // Committed at once: another connection sees it before this one closes.
  auto other = MustOpen(dir_.db());
  auto all = other->ListAnnotations(dataset_);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].action, "note");
  EXPECT_EQ((*all)[0].note, "ambiguous wording");
  EXPECT_EQ((*all)[0].protocol_version, 2);
  EXPECT_FALSE((*all)[0].label.has_value());
  EXPECT_EQ((*all)[1].action, "label");
  EXPECT_EQ((*all)[1].label, Json("y"));
  EXPECT_GT((*all)[1].created_ms, 0);
  EXPECT_EQ((*all)[2].action, "skip");
  auto item_b = other->ListAnnotations(dataset_, "b");
  ASSERT_TRUE(item_b.ok());
  EXPECT_EQ(item_b->size(), 2u);
}

TEST_F(AnnotationsTest, AnnotationsAreAppendOnly) {
  Label("a", "ann", "y");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.db().c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_NE(sqlite3_exec(db, "UPDATE annotations SET label = '\"z\"'", nullptr, nullptr, &err),
            SQLITE_OK);
  EXPECT_STREQ(err, "annotations are append-only");
  sqlite3_free(err);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM annotations", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(store_->ListAnnotations(dataset_)->size(), 1u);
}

TEST_F(AnnotationsTest, LatestLabelWinsPerAnnotatorAndMostRecentAnnotatorIsGold) {
  EXPECT_EQ(Gold(), (std::map<std::string, std::string>{{"a", "x"}, {"b", ""}, {"c", ""}}));
  Label("b", "ann", "y1");
  Label("b", "bob", "z");
  Label("b", "ann", "y2");  // ann's newer label replaces her older one
  Label("a", "bob", "w");   // overrides the imported gold
  EXPECT_EQ(Current(), (std::vector<std::string>{"a:bob=w", "b:ann=y2", "b:bob=z"}));
  EXPECT_EQ(Gold(), (std::map<std::string, std::string>{{"a", "w"}, {"b", "y2"}, {"c", ""}}));
  EXPECT_EQ(store_->FindDataset("d")->labeled, 2);
  // Notes and skips do not label.
  Add(Make("c", "ann", "skip"));
  Annotation note = Make("c", "ann", "note");
  note.note = "n";
  Add(note);
  EXPECT_EQ(Gold()["c"], "");
}

TEST_F(AnnotationsTest, UndoTakesBackAndTheEarlierLabelReturns) {
  int64_t first = Label("b", "ann", "y1");
  Label("b", "bob", "z");
  int64_t second = Label("b", "ann", "y2");
  EXPECT_EQ(Gold()["b"], "y2");
  int64_t undo = Undo(second, "ann");
  EXPECT_EQ(Current(), (std::vector<std::string>{"b:ann=y1", "b:bob=z"}));
  EXPECT_EQ(Gold()["b"], "z");  // bob's label is now the most recent current one
  // The undo record is kept, and the undone one is marked.
  auto all = store_->ListAnnotations(dataset_, "b");
  ASSERT_EQ(all->size(), 4u);
  EXPECT_TRUE((*all)[2].undone);
  EXPECT_EQ((*all)[3].action, "undo");
  EXPECT_EQ((*all)[3].undoes, second);
  EXPECT_EQ((*all)[3].item_id, "b");

  auto last = store_->LastUndoable(dataset_, "ann", std::nullopt);
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->id, first);
  Undo(first, "ann");
  EXPECT_FALSE(store_->LastUndoable(dataset_, "ann", std::nullopt)->has_value());
  EXPECT_EQ(Current(), (std::vector<std::string>{"b:bob=z"}));

  // Undoing twice, undoing an undo, an unknown id: errors, nothing written.
  Annotation again = Make("", "ann", "undo");
  again.undoes = second;
  auto r = store_->AddAnnotation(again);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "annotation " + std::to_string(second) + " is already undone");
  again.undoes = undo;
  r = store_->AddAnnotation(again);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "annotation " + std::to_string(undo) + " is an undo; it cannot be undone");
  again.undoes = 999;
  r = store_->AddAnnotation(again);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message, "no annotation 999 in this dataset to undo");
  EXPECT_EQ(store_->ListAnnotations(dataset_)->size(), 5u);
}

TEST_F(AnnotationsTest, LastUndoableFollowsTheRunWhenGiven) {
  auto run = store_->CreateRun(MakeRunSpec(dataset_, "all", "v"));
  ASSERT_TRUE(run.ok());
  Annotation in_run = Make("a", "ann", "accept", Json("x"));
  in_run.run_id = run->id;
  int64_t id = Add(in_run);
  Label("b", "ann", "imported");  // no run
  EXPECT_EQ((*store_->LastUndoable(dataset_, "ann", run->id))->id, id);
  EXPECT_NE((*store_->LastUndoable(dataset_, "ann", std::nullopt))->id, id);
  EXPECT_FALSE(store_->LastUndoable(dataset_, "bob", std::nullopt)->has_value());
}

TEST_F(AnnotationsTest, InvalidRecordsAreRefused) {
  auto check = [&](const Annotation& a, const std::string& message) {
    auto r = store_->AddAnnotation(a);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, message);
  };
  check(Make("a", "ann", "relabel", Json("x")),
        "annotation action must be \"label\", \"accept\", \"note\", \"skip\" or \"undo\", not "
        "\"relabel\"");
  check(Make("a", "", "skip"), "an annotation needs an annotator");
  check(Make("a", "ann", "label"), "a \"label\" annotation needs a label");
  check(Make("a", "ann", "skip", Json("x")), "a \"skip\" annotation has no label");
  check(Make("a", "ann", "undo"), "an \"undo\" annotation must name the annotation it undoes");
  check(Make("zz", "ann", "label", Json("x")),
        dir_.db() + ": no item \"zz\" in dataset " + std::to_string(dataset_));
  EXPECT_TRUE(store_->ListAnnotations(dataset_)->empty());
}

TEST_F(AnnotationsTest, AddAnnotationsIsAllOrNothing) {
  std::vector<Annotation> batch = {Make("a", "ann", "label", Json("p")),
                                   Make("b", "ann", "label", Json("q")),
                                   Make("nope", "ann", "label", Json("r"))};
  ASSERT_FALSE(store_->AddAnnotations(batch).ok());
  EXPECT_TRUE(store_->ListAnnotations(dataset_)->empty());
  EXPECT_EQ(Gold()["a"], "x");
  batch.pop_back();
  ASSERT_TRUE(store_->AddAnnotations(batch).ok());
  EXPECT_EQ(Gold(), (std::map<std::string, std::string>{{"a", "p"}, {"b", "q"}, {"c", ""}}));
}

TEST_F(AnnotationsTest, EffectiveGoldFeedsResultsAndRecomputesCorrect) {
  TaskVersionRecord version;
  version.name = "intent";
  version.version = "v1";
  version.spec = Json{{"target", "label"}};
  ASSERT_TRUE(store_->PutTaskVersion(version).ok());
  auto run = store_->CreateRun(MakeRunSpec(dataset_, "all", "v1"));
  ASSERT_TRUE(run.ok());
  ResultRecord a = MakeResult(run->id, "a");  // predicts "a"; imported gold "x"
  a.correct = false;
  ResultRecord b = MakeResult(run->id, "b");  // no gold yet
  ResultRecord c = MakeResult(run->id, "c");
  c.status = "failed";
  c.output = Json();
  ASSERT_TRUE(store_->AddResult(a).ok());
  ASSERT_TRUE(store_->AddResult(b).ok());
  ASSERT_TRUE(store_->AddResult(c).ok());
  ASSERT_TRUE(store_->FinishRun(run->id).ok());

  Label("a", "ann", "a");  // the model was right after all
  Label("b", "ann", "q");
  Label("c", "ann", "a");
  std::map<std::string, std::pair<std::string, std::optional<bool>>> seen;
  ASSERT_TRUE(
      store_
          ->ForEachResult(run->id, false,
                          [&](const ResultRecord& r) -> Status {
                            seen[r.item_id] = {r.gold ? r.gold->get<std::string>() : "", r.correct};
                            return OkStatus();
                          })
          .ok());
  EXPECT_EQ(seen["a"], (std::pair<std::string, std::optional<bool>>{"a", true}));
  EXPECT_EQ(seen["b"], (std::pair<std::string, std::optional<bool>>{"q", false}));
  EXPECT_EQ(seen["c"], (std::pair<std::string, std::optional<bool>>{"a", false}));
  auto one = store_->GetResult(run->id, "a");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->gold, Json("a"));
  EXPECT_EQ(one->correct, true);
}

TEST_F(AnnotationsTest, ProtocolVersionsCountUpPerTask) {
  EXPECT_TRUE(store_->ListProtocolVersions("t")->empty());
  auto v1 = store_->AddProtocolVersion("t", "# Rules\n", "ann");
  ASSERT_TRUE(v1.ok()) << v1.error().message;
  EXPECT_EQ(v1->version, 1);
  auto other = store_->AddProtocolVersion("u", "other task", "bob");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->version, 1);
  auto v2 = store_->AddProtocolVersion("t", "# Rules\n- refunds first\n", "bob");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 2);
  store_.reset();
  store_ = MustOpen(dir_.db());
  auto all = store_->ListProtocolVersions("t");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].version, 1);
  EXPECT_EQ((*all)[0].text, "# Rules\n");
  EXPECT_EQ((*all)[0].author, "ann");
  EXPECT_EQ((*all)[1].text, "# Rules\n- refunds first\n");
  EXPECT_EQ((*all)[1].author, "bob");
  EXPECT_GT((*all)[1].created_ms, 0);
  EXPECT_FALSE(store_->AddProtocolVersion("", "x", "ann").ok());
}

TEST(AnnotationsMigrationTest, ASchemaOneStoreGainsAnnotationsAndKeepsItsData) {
  TempDir dir;
  std::filesystem::create_directories(std::filesystem::path(dir.db()).parent_path());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.db().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sqlite::Migrations()[0], nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db,
                   "PRAGMA user_version = 1; INSERT INTO datasets VALUES (1, 'd', 'd.csv', 0);"
                   "INSERT INTO items(dataset_id, item_id, input, gold, split) "
                   "VALUES (1, 'a', '{}', '\"x\"', 'val');",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto store = MustOpen(dir.db());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->FindDataset("d")->labeled, 1);
  Annotation a;
  a.dataset_id = 1;
  a.item_id = "a";
  a.annotator = "ann";
  a.action = "label";
  a.label = Json("y");
  ASSERT_TRUE(store->AddAnnotation(a).ok());
  EXPECT_EQ((*store->ListItems(1, "all", 0, 10))[0].gold, Json("y"));
}

TEST(OutputMatchesGoldTest, ComparesTheTargetLikeTheRunner) {
  Json out = {{"label", "a"}, {"n", 3}};
  EXPECT_EQ(OutputMatchesGold(out, "label", Json("a")), true);
  EXPECT_EQ(OutputMatchesGold(out, "label", Json("b")), false);
  EXPECT_EQ(OutputMatchesGold(out, "n", Json("3")), true);  // CSV gold is text
  EXPECT_EQ(OutputMatchesGold(out, "n", Json(3)), true);
  EXPECT_EQ(OutputMatchesGold(out, "missing", Json("a")), false);
  EXPECT_EQ(OutputMatchesGold(out, "label", std::nullopt), std::nullopt);
  EXPECT_EQ(OutputMatchesGold(out, "", Json("a")), std::nullopt);
}

}  // namespace
}  // namespace centaur
