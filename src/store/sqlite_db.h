// A thin RAII layer over the SQLite C API: a connection (Db) that owns a
// cache of prepared statements, and statement handles that reset themselves
// when they go out of scope (so no read transaction is left open by accident).
// Not thread-safe, like the Store built on it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace centaur::sqlite {

// Maps a SQLite result code to an Error whose message starts with `path`.
Error MakeSqliteError(sqlite3* db, int rc, const std::string& path, std::string_view what);

// One prepared statement. Text is bound without copying (SQLITE_STATIC): the
// bound data must outlive the Step() calls that read it.
class Stmt {
 public:
  Stmt(sqlite3_stmt* stmt, sqlite3* db, const std::string* path)
      : stmt_(stmt), db_(db), path_(path) {}
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Parameters are 1-based, as in SQLite.
  void Bind(int i, int64_t v) { Check(sqlite3_bind_int64(stmt_, i, v)); }
  void Bind(int i, int v) { Check(sqlite3_bind_int64(stmt_, i, v)); }
  void Bind(int i, bool v) { Check(sqlite3_bind_int(stmt_, i, v ? 1 : 0)); }
  void Bind(int i, double v) { Check(sqlite3_bind_double(stmt_, i, v)); }
  void Bind(int i, std::string_view v);
  void Bind(int i, const char* v) { Bind(i, std::string_view(v)); }
  void Bind(int i, const std::string& v) { Bind(i, std::string_view(v)); }
  void BindNull(int i) { Check(sqlite3_bind_null(stmt_, i)); }
  template <typename T>
  void Bind(int i, const std::optional<T>& v) {
    if (v) {
      Bind(i, *v);
    } else {
      BindNull(i);
    }
  }

  // true: a row is ready; false: done. Any bind error surfaces here.
  Result<bool> Step();
  // Steps a statement that returns no rows.
  Status Run();
  void Reset();

  // Columns are 0-based, as in SQLite.
  bool IsNull(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  int64_t Int(int i) const { return sqlite3_column_int64(stmt_, i); }
  double Real(int i) const { return sqlite3_column_double(stmt_, i); }
  std::string_view Text(int i) const;
  std::string String(int i) const { return std::string(Text(i)); }
  std::optional<int64_t> OptInt(int i) const;
  std::optional<double> OptReal(int i) const;

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
  const std::string* path_ = nullptr;
  int bind_rc_ = SQLITE_OK;
};

// A borrowed statement that is reset when this goes out of scope.
class StmtRef {
 public:
  explicit StmtRef(Stmt* stmt) : stmt_(stmt) {}
  StmtRef(StmtRef&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  StmtRef& operator=(StmtRef&&) = delete;
  StmtRef(const StmtRef&) = delete;
  ~StmtRef() {
    if (stmt_ != nullptr) stmt_->Reset();
  }
  Stmt* operator->() const { return stmt_; }
  Stmt& operator*() const { return *stmt_; }

 private:
  Stmt* stmt_;
};

class Db {
 public:
  // Opens (creating if needed) the database file at `path`.
  static Result<std::unique_ptr<Db>> Open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs one or more statements that return nothing of interest.
  Status Exec(const char* sql);
  // A statement prepared once and kept for the connection's lifetime, keyed
  // by the address of `sql` (pass string constants). Do not nest two uses of
  // the same statement.
  Result<StmtRef> Cached(const char* sql);
  // Runs the cached statement `sql`, which takes no parameters (BEGIN, COMMIT).
  Status RunCached(const char* sql);
  // A fresh statement owned by the caller (for queries that may be nested).
  Result<Stmt> Prepare(std::string_view sql);
  // Single-value query helper, e.g. PRAGMA user_version.
  Result<int64_t> QueryInt(const char* sql);

  Error ErrorFor(int rc, std::string_view what) const;
  // True when a transaction is open on this connection.
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::unordered_map<const char*, std::unique_ptr<Stmt>> cache_;
};

}  // namespace centaur::sqlite
