// SqliteStore: opening, transactions, datasets, task versions and the cache.
// Runs and results are in sqlite_results.cc.
#include "store/sqlite_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

#include "core/clock.h"
#include "store/json_column.h"
#include "store/schema.h"

namespace centaur::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 5000;
// Page cache per connection (negative: KiB). Larger than SQLite's 2 MiB
// default so a run's hot index pages stay in memory.
constexpr const char* kCacheSizePragma = "PRAGMA cache_size = -65536";
constexpr const char* kPageSizePragma = "PRAGMA page_size = 16384";
// The WAL file is truncated back to this size after it restarts.
constexpr const char* kJournalSizeLimitPragma = "PRAGMA journal_size_limit = 67108864";

constexpr const char* kBegin = "BEGIN IMMEDIATE";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";

Status CreateParentDirs(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return OkStatus();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return MakeError(ErrorCode::kIo, fmt::format("{}: cannot create directory {}: {}", path,
                                                 parent.string(), ec.message()));
  }
  return OkStatus();
}

bool IsSplit(const std::string& s) { return s == "val" || s == "test"; }

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  if (path.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty store path");
  const bool in_memory = path == ":memory:";
  if (!in_memory) CENTAUR_RETURN_IF_ERROR(CreateParentDirs(path));
  CENTAUR_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(path));
  sqlite3_busy_timeout(db->handle(), kBusyTimeoutMs);
  // Only takes effect when the file is new. Larger pages than SQLite's 4 KiB
  // mean fewer WAL frames and syscalls per result (~1.4x the write rate).
  CENTAUR_RETURN_IF_ERROR(db->Exec(kPageSizePragma));
  {
    CENTAUR_ASSIGN_OR_RETURN(Stmt wal, db->Prepare("PRAGMA journal_mode = WAL"));
    CENTAUR_ASSIGN_OR_RETURN(bool row, wal.Step());
    if (!in_memory && (!row || wal.Text(0) != "wal")) {
      return MakeError(ErrorCode::kIo,
                       fmt::format("{}: cannot switch to WAL journal mode (got \"{}\")", path,
                                   row ? wal.String(0) : std::string()));
    }
  }
  CENTAUR_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = NORMAL"));
  CENTAUR_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys = ON"));
  CENTAUR_RETURN_IF_ERROR(db->Exec(kCacheSizePragma));
  CENTAUR_RETURN_IF_ERROR(db->Exec(kJournalSizeLimitPragma));
  CENTAUR_RETURN_IF_ERROR(Migrate(*db));
  std::unique_ptr<Checkpointer> checkpointer;
  if (!in_memory) {
    CENTAUR_ASSIGN_OR_RETURN(checkpointer, Checkpointer::Start(db->handle(), path));
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db), std::move(checkpointer)));
}

SqliteStore::~SqliteStore() {
  Status st = Commit();
  if (!st.ok()) spdlog::warn("closing the store: {}", st.error().message);
}

Status SqliteStore::BeginPending() {
  if (pending_) return OkStatus();
  CENTAUR_ASSIGN_OR_RETURN(StmtRef begin, db_->Cached(kBegin));
  CENTAUR_RETURN_IF_ERROR(begin->Run());
  pending_ = true;
  return OkStatus();
}

Status SqliteStore::Commit() {
  if (!pending_) return OkStatus();
  CENTAUR_ASSIGN_OR_RETURN(StmtRef commit, db_->Cached(kCommit));
  Status st = commit->Run();
  if (!st.ok()) return CheckLost(st.error());
  pending_ = false;
  return OkStatus();
}

Error SqliteStore::CheckLost(Error error) {
  if (pending_ && !db_->InTransaction()) {
    pending_ = false;
    error.message += "; the writes pending since the last commit were lost";
  }
  return error;
}

Result<DatasetInfo> SqliteStore::CreateDataset(const std::string& name, const std::string& source,
                                               const std::vector<Item>& items) {
  static constexpr const char* kInsertDataset =
      "INSERT INTO datasets(name, source, created_ms) VALUES (?1, ?2, ?3)";
  static constexpr const char* kInsertItem =
      "INSERT INTO items(dataset_id, item_id, input, gold, split) VALUES (?1, ?2, ?3, ?4, ?5)";
  if (name.empty()) return MakeError(ErrorCode::kInvalidArgument, "dataset name is empty");
  CENTAUR_RETURN_IF_ERROR(Commit());

  DatasetInfo info;
  info.name = name;
  info.source = source;
  info.created_ms = RealClock()->UnixMillis();
  auto write = [&]() -> Status {
    {
      CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kInsertDataset));
      st->Bind(1, name);
      st->Bind(2, source);
      st->Bind(3, info.created_ms);
      Status s = st->Run();
      if (!s.ok()) {
        if (s.error().code != ErrorCode::kAlreadyExists) return s;
        return MakeError(ErrorCode::kAlreadyExists,
                         fmt::format("{}: dataset \"{}\" already exists", db_->path(), name));
      }
      info.id = db_->LastInsertRowid();
    }
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kInsertItem));
    std::string input, gold;
    for (const Item& item : items) {
      if (item.id.empty()) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            fmt::format("dataset \"{}\": item {} has an empty id", name, info.items + 1));
      }
      if (!IsSplit(item.split)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("dataset \"{}\": item {}: split must be \"val\" or \"test\", "
                                     "not \"{}\"",
                                     name, item.id, item.split));
      }
      input = DumpJson(item.input);
      st->Bind(1, info.id);
      st->Bind(2, item.id);
      st->Bind(3, input);
      if (item.gold) {
        gold = DumpJson(*item.gold);
        st->Bind(4, gold);
      } else {
        st->BindNull(4);
      }
      st->Bind(5, item.split);
      Status s = st->Run();
      st->Reset();
      if (!s.ok()) {
        if (s.error().code != ErrorCode::kAlreadyExists) return s;
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("dataset \"{}\": duplicate item id \"{}\"", name, item.id));
      }
      ++info.items;
      ++(item.split == "val" ? info.val_items : info.test_items);
      if (item.gold) ++info.labeled;
    }
    return OkStatus();
  };

  {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef begin, db_->Cached(kBegin));
    CENTAUR_RETURN_IF_ERROR(begin->Run());
  }
  Status st = write();
  if (st.ok()) {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef commit, db_->Cached(kCommit));
    st = commit->Run();
  }
  if (!st.ok()) {
    if (db_->InTransaction()) (void)db_->Exec(kRollback);
    return st.error();
  }
  return info;
}

namespace {

// Dataset columns then its item counts; the GROUP BY is added by the caller.
#define CENTAUR_DATASET_SELECT                                                            \
  "SELECT d.id, d.name, d.source, d.created_ms, count(i.seq), "                           \
  "coalesce(sum(i.split = 'val'), 0), coalesce(sum(i.split = 'test'), 0), count(i.gold) " \
  "FROM datasets d LEFT JOIN items i ON i.dataset_id = d.id "

DatasetInfo ReadDataset(const Stmt& st) {
  DatasetInfo info;
  info.id = st.Int(0);
  info.name = st.String(1);
  info.source = st.String(2);
  info.created_ms = st.Int(3);
  info.items = st.Int(4);
  info.val_items = st.Int(5);
  info.test_items = st.Int(6);
  info.labeled = st.Int(7);
  return info;
}

}  // namespace

Result<DatasetInfo> SqliteStore::FindDataset(const std::string& name) {
  static constexpr const char* kSql = CENTAUR_DATASET_SELECT "WHERE d.name = ?1 GROUP BY d.id";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, name);
  CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{}: no dataset named \"{}\"", db_->path(), name));
  }
  return ReadDataset(*st);
}

Result<std::vector<DatasetInfo>> SqliteStore::ListDatasets() {
  static constexpr const char* kSql = CENTAUR_DATASET_SELECT "GROUP BY d.id ORDER BY d.name";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  std::vector<DatasetInfo> out;
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(ReadDataset(*st));
  }
  return out;
}

Result<std::vector<Item>> SqliteStore::ListItems(int64_t dataset_id, const std::string& split,
                                                 int64_t after_seq, int limit) {
  static constexpr const char* kAll =
      "SELECT seq, item_id, input, gold, split FROM items "
      "WHERE dataset_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
  static constexpr const char* kSplit =
      "SELECT seq, item_id, input, gold, split FROM items "
      "WHERE dataset_id = ?1 AND split = ?4 AND seq > ?2 ORDER BY seq LIMIT ?3";
  const bool all = split == "all";
  if (!all && !IsSplit(split)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("split must be \"val\", \"test\" or \"all\", not \"{}\"", split));
  }
  std::vector<Item> out;
  if (limit <= 0) return out;
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(all ? kAll : kSplit));
  st->Bind(1, dataset_id);
  st->Bind(2, after_seq);
  st->Bind(3, limit);
  if (!all) st->Bind(4, split);
  out.reserve(static_cast<size_t>(std::min(limit, 4096)));
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    Item& item = out.emplace_back();
    item.seq = st->Int(0);
    item.id = st->String(1);
    CENTAUR_ASSIGN_OR_RETURN(item.input,
                             ParseJson(st->Text(2), db_->path(), "items.input", item.seq));
    if (!st->IsNull(3)) {
      CENTAUR_ASSIGN_OR_RETURN(item.gold,
                               ParseJson(st->Text(3), db_->path(), "items.gold", item.seq));
    }
    item.split = st->String(4);
  }
  return out;
}

Status SqliteStore::PutTaskVersion(const TaskVersionRecord& record) {
  static constexpr const char* kSql =
      "INSERT OR IGNORE INTO task_versions(name, version, source_path, source_text, spec, "
      "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
  CENTAUR_RETURN_IF_ERROR(BeginPending());
  {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
    std::string spec = DumpJson(record.spec);
    st->Bind(1, record.name);
    st->Bind(2, record.version);
    st->Bind(3, record.source_path);
    st->Bind(4, record.source_text);
    st->Bind(5, spec);
    st->Bind(6, RealClock()->UnixMillis());
    Status s = st->Run();
    if (!s.ok()) return CheckLost(s.error());
  }
  return Commit();
}

Result<std::vector<TaskVersionRecord>> SqliteStore::ListTaskVersions(const std::string& name) {
  static constexpr const char* kSql =
      "SELECT rowid, name, version, source_path, source_text, spec FROM task_versions "
      "WHERE name = ?1 ORDER BY created_ms, rowid";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, name);
  std::vector<TaskVersionRecord> out;
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    TaskVersionRecord& r = out.emplace_back();
    r.name = st->String(1);
    r.version = st->String(2);
    r.source_path = st->String(3);
    r.source_text = st->String(4);
    CENTAUR_ASSIGN_OR_RETURN(r.spec,
                             ParseJson(st->Text(5), db_->path(), "task_versions.spec", st->Int(0)));
  }
  return out;
}

Result<std::optional<CacheEntry>> SqliteStore::CacheGet(const std::string& key) {
  static constexpr const char* kSql =
      "SELECT response_text, finish_reason, input_tokens, output_tokens, created_ms "
      "FROM cache WHERE key = ?1";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, key);
  CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<CacheEntry>();
  CacheEntry e;
  e.key = key;
  e.response_text = st->String(0);
  e.finish_reason = st->String(1);
  e.input_tokens = st->Int(2);
  e.output_tokens = st->Int(3);
  e.created_ms = st->Int(4);
  return std::optional<CacheEntry>(std::move(e));
}

Status SqliteStore::CachePut(const CacheEntry& entry) {
  static constexpr const char* kSql =
      "INSERT OR REPLACE INTO cache(key, response_text, finish_reason, input_tokens, "
      "output_tokens, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
  CENTAUR_RETURN_IF_ERROR(BeginPending());
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, entry.key);
  st->Bind(2, entry.response_text);
  st->Bind(3, entry.finish_reason);
  st->Bind(4, entry.input_tokens);
  st->Bind(5, entry.output_tokens);
  st->Bind(6, entry.created_ms != 0 ? entry.created_ms : RealClock()->UnixMillis());
  Status s = st->Run();
  if (!s.ok()) return CheckLost(s.error());
  return OkStatus();
}

}  // namespace centaur::sqlite
