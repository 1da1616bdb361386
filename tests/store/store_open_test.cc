// Opening the SQLite store: migrations, reopening, version checks, errors
// and durability across a crash.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "store/schema.h"
#include "store/store.h"
#include "test_util.h"

namespace centaur {
namespace {

using testing_util::MakeItem;
using testing_util::MakeResult;
using testing_util::MustOpen;
using testing_util::TempDir;

int64_t QueryInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

void ExecSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
  sqlite3_free(err);
  sqlite3_close(db);
}

TEST(StoreOpenTest, MigratesAnEmptyDatabaseAndCreatesParentDirs) {
  TempDir dir;
  auto store = MustOpen(dir.db());
  ASSERT_NE(store, nullptr);
  store.reset();
  const int64_t known = static_cast<int64_t>(sqlite::Migrations().size());
  EXPECT_EQ(QueryInt(dir.db(), "PRAGMA user_version"), known);
  EXPECT_EQ(QueryInt(dir.db(),
                     "SELECT count(*) FROM sqlite_master WHERE name IN ('datasets', "
                     "'items', 'items_fts', 'task_versions', 'runs', 'run_stats', "
                     "'results', 'attempts', 'requests', 'cache')"),
            10);
  EXPECT_EQ(QueryInt(dir.db(),
                     "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = "
                     "'wal'"),
            1);
}

TEST(StoreOpenTest, ReopenKeepsDataAndDoesNotMigrateAgain) {
  TempDir dir;
  {
    auto store = MustOpen(dir.db());
    ASSERT_TRUE(store->CreateDataset("d", "d.csv", {MakeItem("a", "val", std::nullopt)}).ok());
  }
  auto store = MustOpen(dir.db());
  ASSERT_NE(store, nullptr);
  auto found = store->FindDataset("d");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->items, 1);
}

TEST(StoreOpenTest, NewerSchemaIsAnErrorNamingThePath) {
  TempDir dir;
  MustOpen(dir.db()).reset();
  ExecSql(dir.db(), "PRAGMA user_version = 7");
  auto store = OpenSqliteStore(dir.db());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().message, dir.db() +
                                       ": created by a newer centaur (schema 7, this build knows " +
                                       std::to_string(sqlite::Migrations().size()) + ")");
}

TEST(StoreOpenTest, NotADatabaseIsAnErrorNamingThePath) {
  TempDir dir;
  std::string path = dir.path() + "/junk.db";
  std::ofstream(path) << std::string(4096, 'x');
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kIo);
  EXPECT_EQ(store.error().message.rfind(path + ": ", 0), 0u) << store.error().message;
}

TEST(StoreOpenTest, UncreatableDirectoryIsAnErrorNamingThePath) {
  TempDir dir;
  std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  std::string path = file + "/centaur.db";
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kIo);
  EXPECT_EQ(store.error().message.rfind(path + ": cannot create directory", 0), 0u)
      << store.error().message;
}

TEST(StoreOpenTest, PostgresIsNotSupportedYet) {
  auto store = OpenStore("postgres://user@host/db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store.error().message, "postgres:// stores are not supported yet; use a SQLite path");
}

TEST(StoreOpenTest, OpenStoreTakesAPath) {
  TempDir dir;
  auto store = OpenStore(dir.db());
  ASSERT_TRUE(store.ok()) << store.error().message;
}

TEST(StoreOpenTest, FullTextIndexFollowsItems) {
  TempDir dir;
  {
    auto store = MustOpen(dir.db());
    Item item = MakeItem("a", "val", std::nullopt);
    item.input = Json{{"text", "my card was swallowed"}};
    ASSERT_TRUE(store->CreateDataset("d", "d.csv", {item, MakeItem("b", "test", 1)}).ok());
  }
  EXPECT_EQ(QueryInt(dir.db(), "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'swallowed'"),
            1);
  ExecSql(dir.db(), "PRAGMA foreign_keys = ON; DELETE FROM items WHERE item_id = 'a'");
  EXPECT_EQ(QueryInt(dir.db(), "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'swallowed'"),
            0);
}

// Checkpoints run in the background while a writer commits continuously;
// the WAL must still restart, so its file stays bounded.
TEST(StoreOpenTest, WalStaysBoundedUnderContinuousWrites) {
  TempDir dir;
  auto store = MustOpen(dir.db());
  RunSpec spec;
  spec.kind = "call";
  spec.identity = "wal";
  auto run = store->CreateRun(spec);
  ASSERT_TRUE(run.ok());
  std::string big(64 * 1024, 'z');
  uintmax_t max_wal = 0;
  int n = 0;
  auto write_commits = [&](int commits) {
    for (int commit = 0; commit < commits; ++commit) {
      for (int k = 0; k < 50; ++k) {
        ResultRecord r = MakeResult(run->id, "item" + std::to_string(n++));
        r.raw = big;
        ASSERT_TRUE(store->AddResult(r).ok());
      }
      ASSERT_TRUE(store->Commit().ok());  // ~3.2 MB per commit
      max_wal = std::max(max_wal, std::filesystem::file_size(dir.db() + "-wal"));
    }
  };
  // Past the background checkpoint's threshold but not the synchronous one:
  // only the background thread can have copied pages into the database file.
  write_commits(8);
  bool copied = false;
  for (int wait = 0; wait < 200 && !copied; ++wait) {
    copied = std::filesystem::file_size(dir.db()) > (8u << 20);
    if (!copied) usleep(50 * 1000);
  }
  EXPECT_TRUE(copied);
  write_commits(32);  // ~130 MB in all
  EXPECT_LT(max_wal, 96u << 20);
  // Checkpointed while running, not only at close.
  EXPECT_GT(std::filesystem::file_size(dir.db()), 32u << 20);
  store.reset();
  store = MustOpen(dir.db());
  EXPECT_EQ(store->GetRun(run->id)->results, n);
}

// A process that dies without closing the store (as after kill -9) keeps
// exactly what it committed.
TEST(StoreOpenTest, CommittedResultsSurviveAProcessThatDiesWithoutClosing) {
  TempDir dir;
  int64_t run_id = 0;
  {
    auto store = MustOpen(dir.db());
    RunSpec spec;
    spec.task_name = "t";
    spec.identity = "id";
    auto run = store->CreateRun(spec);
    ASSERT_TRUE(run.ok());
    run_id = run->id;
  }
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto opened = OpenSqliteStore(dir.db());
    if (!opened.ok()) _exit(2);
    std::unique_ptr<Store> store = std::move(opened).value();
    for (const char* id : {"a", "b", "c"}) {
      if (!store->AddResult(MakeResult(run_id, id)).ok()) _exit(3);
    }
    if (!store->CachePut(CacheEntry{"k1", "resp", "stop", 1, 2, 3}).ok()) _exit(4);
    if (!store->Commit().ok()) _exit(5);
    for (const char* id : {"d", "e"}) {
      if (!store->AddResult(MakeResult(run_id, id)).ok()) _exit(6);
    }
    if (!store->CachePut(CacheEntry{"k2", "resp", "stop", 1, 2, 3}).ok()) _exit(7);
    _exit(0);  // no destructor, no Commit
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 0);

  auto store = MustOpen(dir.db());
  auto ids = store->FinishedItemIds(run_id);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::unordered_set<std::string>{"a", "b", "c"}));
  auto run = store->GetRun(run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->results, 3);
  EXPECT_EQ(run->calls, 3);
  auto k1 = store->CacheGet("k1");
  auto k2 = store->CacheGet("k2");
  ASSERT_TRUE(k1.ok() && k2.ok());
  EXPECT_TRUE(k1->has_value());
  EXPECT_FALSE(k2->has_value());
  // The resumed run can add the lost items again.
  EXPECT_TRUE(store->AddResult(MakeResult(run_id, "d")).ok());
}

}  // namespace
}  // namespace centaur
