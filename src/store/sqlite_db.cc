#include "store/sqlite_db.h"

#include <fmt/format.h>

#include <utility>

namespace centaur::sqlite {

Error MakeSqliteError(sqlite3* db, int rc, const std::string& path, std::string_view what) {
  int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  ErrorCode code = ErrorCode::kInternal;
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      code = (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY)
                 ? ErrorCode::kAlreadyExists
                 : ErrorCode::kInvalidArgument;
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
      code = ErrorCode::kIo;
      break;
    default:
      break;
  }
  return MakeError(code, fmt::format("{}: {}: {}", path, what, msg));
}

Stmt::Stmt(Stmt&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      db_(other.db_),
      path_(other.path_),
      bind_rc_(other.bind_rc_) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = other.db_;
    path_ = other.path_;
    bind_rc_ = other.bind_rc_;
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

void Stmt::Bind(int i, std::string_view v) {
  // A zero-length view may carry a null pointer, which SQLite would store as NULL.
  const char* p = v.data() != nullptr ? v.data() : "";
  Check(sqlite3_bind_text64(stmt_, i, p, v.size(), SQLITE_STATIC, SQLITE_UTF8));
}

Result<bool> Stmt::Step() {
  if (bind_rc_ != SQLITE_OK) {
    int rc = std::exchange(bind_rc_, SQLITE_OK);
    return MakeSqliteError(db_, rc, *path_, sqlite3_sql(stmt_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error err = MakeSqliteError(db_, rc, *path_, "query failed");
  sqlite3_reset(stmt_);
  return err;
}

Status Stmt::Run() {
  CENTAUR_ASSIGN_OR_RETURN(bool row, Step());
  (void)row;
  return OkStatus();
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  bind_rc_ = SQLITE_OK;
}

std::string_view Stmt::Text(int i) const {
  const unsigned char* p = sqlite3_column_text(stmt_, i);
  if (p == nullptr) return {};
  return std::string_view(reinterpret_cast<const char*>(p),
                          static_cast<size_t>(sqlite3_column_bytes(stmt_, i)));
}

std::optional<int64_t> Stmt::OptInt(int i) const {
  if (IsNull(i)) return std::nullopt;
  return Int(i);
}

std::optional<double> Stmt::OptReal(int i) const {
  if (IsNull(i)) return std::nullopt;
  return Real(i);
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: a Db is used by one thread at a time, so SQLite's own locking is waste.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error err = MakeSqliteError(db, rc, path, "cannot open");
    sqlite3_close_v2(db);
    return err;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Db>(new Db(db, path));
}

Db::~Db() {
  cache_.clear();  // finalize every statement before closing
  sqlite3_close_v2(db_);
}

Status Db::Exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return ErrorFor(rc, "statement failed");
  return OkStatus();
}

Result<StmtRef> Db::Cached(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return ErrorFor(rc, "cannot prepare statement");
    it = cache_.emplace(sql, std::make_unique<Stmt>(stmt, db_, &path_)).first;
  }
  return StmtRef(it->second.get());
}

Status Db::RunCached(const char* sql) {
  CENTAUR_ASSIGN_OR_RETURN(StmtRef stmt, Cached(sql));
  return stmt->Run();
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return ErrorFor(rc, "cannot prepare statement");
  return Stmt(stmt, db_, &path_);
}

Result<int64_t> Db::QueryInt(const char* sql) {
  CENTAUR_ASSIGN_OR_RETURN(Stmt stmt, Prepare(sql));
  CENTAUR_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return MakeError(ErrorCode::kInternal, fmt::format("{}: no row from {}", path_, sql));
  return stmt.Int(0);
}

Error Db::ErrorFor(int rc, std::string_view what) const {
  return MakeSqliteError(db_, rc, path_, what);
}

}  // namespace centaur::sqlite
