// SqliteStore: opening, transactions, datasets, task versions and the cache.
// Datasets are in sqlite_datasets.cc, runs and results in sqlite_results.cc.
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
// Reads through a memory map: a page not yet in the connection's cache is
// read in place rather than copied in by a read() call. Whole-run reads
// (metrics, compare, the UI's filtered lists: 25 MB per 100,000 results)
// take about half the time.
constexpr const char* kMmapSizePragma = "PRAGMA mmap_size = 1073741824";

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
  CENTAUR_RETURN_IF_ERROR(db->Exec(kMmapSizePragma));
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

Status SqliteStore::BeginReads() {
  if (pending_ || reading_) return OkStatus();
  CENTAUR_RETURN_IF_ERROR(db_->RunCached(kBeginReadsSql));
  reading_ = true;
  return OkStatus();
}

Status SqliteStore::EndReads() {
  if (!reading_) return OkStatus();
  reading_ = false;
  return db_->RunCached(kCommitSql);
}

Status SqliteStore::BeginPending() {
  if (pending_) return OkStatus();
  CENTAUR_RETURN_IF_ERROR(EndReads());
  CENTAUR_RETURN_IF_ERROR(db_->RunCached(kBeginSql));
  pending_ = true;
  return OkStatus();
}

Status SqliteStore::Commit() {
  if (!pending_) return EndReads();
  Status st = db_->RunCached(kCommitSql);
  if (!st.ok()) return CheckLost(st.error());
  pending_ = false;
  return OkStatus();
}

Status SqliteStore::RunInOwnTransaction(const std::function<Status()>& body) {
  CENTAUR_RETURN_IF_ERROR(Commit());
  CENTAUR_RETURN_IF_ERROR(db_->RunCached(kBeginSql));
  Status st = body();
  if (st.ok()) st = db_->RunCached(kCommitSql);
  if (!st.ok() && db_->InTransaction()) (void)db_->Exec("ROLLBACK");
  return st;
}

Error SqliteStore::CheckLost(Error error) {
  if (pending_ && !db_->InTransaction()) {
    pending_ = false;
    error.message += "; the writes pending since the last commit were lost";
  }
  return error;
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
