// SqliteStore: annotation protocols, numbered versions per task.
#include "core/clock.h"
#include "store/sqlite_store.h"

namespace centaur::sqlite {

Result<ProtocolVersion> SqliteStore::AddProtocolVersion(const std::string& task,
                                                        const std::string& text,
                                                        const std::string& author) {
  static constexpr const char* kNext =
      "SELECT coalesce(max(version), 0) + 1 FROM protocols WHERE task = ?1";
  static constexpr const char* kInsert =
      "INSERT INTO protocols(task, version, text, author, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)";
  if (task.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "a protocol needs a task name");
  }
  ProtocolVersion p;
  p.task = task;
  p.text = text;
  p.author = author;
  p.created_ms = RealClock()->UnixMillis();
  CENTAUR_RETURN_IF_ERROR(RunInOwnTransaction([&]() -> Status {
    {
      CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kNext));
      st->Bind(1, task);
      CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
      p.version = row ? st->Int(0) : 1;
    }
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kInsert));
    st->Bind(1, task);
    st->Bind(2, p.version);
    st->Bind(3, text);
    st->Bind(4, author);
    st->Bind(5, p.created_ms);
    return st->Run();
  }));
  return p;
}

Result<std::vector<ProtocolVersion>> SqliteStore::ListProtocolVersions(const std::string& task) {
  static constexpr const char* kSql =
      "SELECT version, text, author, created_ms FROM protocols WHERE task = ?1 ORDER BY version";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, task);
  std::vector<ProtocolVersion> out;
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    ProtocolVersion& p = out.emplace_back();
    p.task = task;
    p.version = st->Int(0);
    p.text = st->String(1);
    p.author = st->String(2);
    p.created_ms = st->Int(3);
  }
  return out;
}

}  // namespace centaur::sqlite
