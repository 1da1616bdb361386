// SqliteStore: runs, results and attempts.
#include <fmt/format.h>

#include "core/clock.h"
#include "store/json_column.h"
#include "store/sqlite_store.h"

namespace centaur::sqlite {
namespace {

// The aggregates of RunInfo over one run's results, named like run_stats'
// columns. cost is NULL when any result's cost is unknown.
#define CENTAUR_RUN_AGGREGATES                                                        \
  "count(*) AS results, coalesce(sum(status = 'ok'), 0) AS succeeded, "               \
  "coalesce(sum(status = 'failed'), 0) AS failed, coalesce(sum(calls), 0) AS calls, " \
  "coalesce(sum(cache_hit), 0) AS cache_hits, "                                       \
  "coalesce(sum(input_tokens), 0) AS input_tokens, "                                  \
  "coalesce(sum(output_tokens), 0) AS output_tokens, "                                \
  "CASE WHEN count(cost) = count(*) THEN total(cost) END AS cost, "                   \
  "count(correct) AS labeled, coalesce(sum(correct), 0) AS correct, "                 \
  "total(latency_ms) AS latency_ms "

#define CENTAUR_STATS_COLUMNS(t)                                                          \
  t ".run_id IS NOT NULL, " t ".results, " t ".succeeded, " t ".failed, " t ".calls, " t  \
    ".cache_hits, " t ".input_tokens, " t ".output_tokens, " t ".cost, " t ".labeled, " t \
    ".correct, " t ".latency_ms"

// A run with its dataset name, its frozen aggregates (s, once done) and its
// live aggregates (l, while running: one grouped query over every running
// run's results). `live_filter` narrows the running runs.
#define CENTAUR_RUN_SELECT(live_filter) \
  "SELECT r.id, r.kind, r.task_name, r.task_version, r.model, r.params, r.dataset_id, "          \
  "r.split, r.lim, r.identity, r.status, r.created_ms, r.finished_ms, d.name, "                  \
  CENTAUR_STATS_COLUMNS("s") ", " CENTAUR_STATS_COLUMNS("l")                                     \
  " FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id "                                    \
  "LEFT JOIN run_stats s ON s.run_id = r.id "                                                    \
  "LEFT JOIN (SELECT run_id, " CENTAUR_RUN_AGGREGATES                                            \
  "FROM results WHERE run_id IN (SELECT id FROM runs WHERE status = 'running' " live_filter      \
  ") GROUP BY run_id) l ON l.run_id = r.id "

constexpr int kStatsS = 14;
constexpr int kStatsL = kStatsS + 12;

void ReadStats(const Stmt& st, int c, RunInfo* run) {
  run->results = st.Int(c + 1);
  run->succeeded = st.Int(c + 2);
  run->failed = st.Int(c + 3);
  run->calls = st.Int(c + 4);
  run->cache_hits = st.Int(c + 5);
  run->input_tokens = st.Int(c + 6);
  run->output_tokens = st.Int(c + 7);
  run->cost = st.OptReal(c + 8);
  run->labeled = st.Int(c + 9);
  run->correct = st.Int(c + 10);
  run->latency_ms = st.Real(c + 11);
}

Result<RunInfo> ReadRun(const Stmt& st, const std::string& path) {
  RunInfo run;
  run.id = st.Int(0);
  run.spec.kind = st.String(1);
  run.spec.task_name = st.String(2);
  run.spec.task_version = st.String(3);
  run.spec.model = st.String(4);
  CENTAUR_ASSIGN_OR_RETURN(run.spec.params, ParseJson(st.Text(5), path, "runs.params", run.id));
  run.spec.dataset_id = st.OptInt(6);
  run.spec.split = st.String(7);
  run.spec.limit = st.OptInt(8);
  run.spec.identity = st.String(9);
  run.status = st.String(10);
  run.created_ms = st.Int(11);
  run.finished_ms = st.OptInt(12).value_or(0);
  run.dataset_name = st.String(13);
  if (st.Int(kStatsS) != 0) {
    ReadStats(st, kStatsS, &run);
  } else if (st.Int(kStatsL) != 0) {
    ReadStats(st, kStatsL, &run);
  } else {
    run.cost = 0.0;  // no results yet: nothing unknown
  }
  return run;
}

// Result columns then the item's input, imported gold and annotated gold;
// ?1 is the run id, ?2 its dataset id (NULL for calls, so input and gold
// come back NULL).
#define CENTAUR_RESULT_SELECT                                                               \
  "SELECT r.id, r.item_id, r.status, r.output, r.raw, r.error, r.input_tokens, "            \
  "r.output_tokens, r.cost, r.latency_ms, r.cache_hit, r.correct, r.created_ms, i.input, "  \
  "i.gold, g.label FROM results r LEFT JOIN items i ON i.dataset_id = ?2 AND i.item_id = " \
  "r.item_id LEFT JOIN gold_labels g ON g.dataset_id = ?2 AND g.item_id = r.item_id "      \
  "WHERE r.run_id = ?1 "

// Reads a result row; an annotated gold replaces the imported one, and
// `correct` is then recomputed against it with the run's `target`.
Status ReadResult(const Stmt& st, const std::string& path, int64_t run_id,
                  const std::string& target, ResultRecord* r) {
  const int64_t id = st.Int(0);
  r->run_id = run_id;
  r->item_id = st.String(1);
  r->status = st.String(2);
  if (st.IsNull(3)) {
    r->output = Json();
  } else {
    CENTAUR_ASSIGN_OR_RETURN(r->output, ParseJson(st.Text(3), path, "results.output", id));
  }
  r->raw = st.String(4);
  r->error = st.String(5);
  r->input_tokens = st.Int(6);
  r->output_tokens = st.Int(7);
  r->cost = st.OptReal(8);
  r->latency_ms = st.Real(9);
  r->cache_hit = st.Int(10) != 0;
  r->correct.reset();
  if (!st.IsNull(11)) r->correct = st.Int(11) != 0;
  r->created_ms = st.Int(12);
  if (st.IsNull(13)) {
    r->input = Json();
  } else {
    CENTAUR_ASSIGN_OR_RETURN(r->input, ParseJson(st.Text(13), path, "items.input", id));
  }
  r->gold.reset();
  if (!st.IsNull(15)) {
    CENTAUR_ASSIGN_OR_RETURN(r->gold, ParseJson(st.Text(15), path, "gold_labels.label", id));
    if (r->status == "ok") {
      r->correct = OutputMatchesGold(r->output, target, r->gold);
    } else if (!target.empty()) {
      r->correct = false;
    }
  } else if (!st.IsNull(14)) {
    CENTAUR_ASSIGN_OR_RETURN(r->gold, ParseJson(st.Text(14), path, "items.gold", id));
  }
  return OkStatus();
}

}  // namespace

Result<RunInfo> SqliteStore::CreateRun(const RunSpec& spec) {
  static constexpr const char* kSql =
      "INSERT INTO runs(kind, task_name, task_version, model, params, dataset_id, split, lim, "
      "identity, status, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'running', ?10)";
  static constexpr const char* kDatasetExists = "SELECT 1 FROM datasets WHERE id = ?1";
  if (spec.kind != "run" && spec.kind != "call") {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("run kind must be \"run\" or \"call\", not \"{}\"", spec.kind));
  }
  if (spec.dataset_id) {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kDatasetExists));
    st->Bind(1, *spec.dataset_id);
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("{}: no dataset with id {}", db_->path(), *spec.dataset_id));
    }
  }
  CENTAUR_RETURN_IF_ERROR(BeginPending());
  int64_t id = 0;
  {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
    std::string params = DumpJson(spec.params);
    st->Bind(1, spec.kind);
    st->Bind(2, spec.task_name);
    st->Bind(3, spec.task_version);
    st->Bind(4, spec.model);
    st->Bind(5, params);
    st->Bind(6, spec.dataset_id);
    st->Bind(7, spec.split);
    st->Bind(8, spec.limit);
    st->Bind(9, spec.identity);
    st->Bind(10, RealClock()->UnixMillis());
    Status s = st->Run();
    if (!s.ok()) return CheckLost(s.error());
    id = db_->LastInsertRowid();
  }
  CENTAUR_RETURN_IF_ERROR(Commit());
  return GetRun(id);
}

Result<std::optional<RunInfo>> SqliteStore::FindUnfinishedRun(const std::string& identity) {
  static constexpr const char* kSql =
      "SELECT id FROM runs WHERE identity = ?1 AND status = 'running' ORDER BY id DESC LIMIT 1";
  int64_t id = 0;
  {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
    st->Bind(1, identity);
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return std::optional<RunInfo>();
    id = st->Int(0);
  }
  CENTAUR_ASSIGN_OR_RETURN(RunInfo run, GetRun(id));
  return std::optional<RunInfo>(std::move(run));
}

Result<RunInfo> SqliteStore::GetRun(int64_t run_id) {
  static constexpr const char* kSql = CENTAUR_RUN_SELECT("AND id = ?1") "WHERE r.id = ?1";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, run_id);
  CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) {
    return MakeError(ErrorCode::kNotFound, fmt::format("{}: no run {}", db_->path(), run_id));
  }
  return ReadRun(*st, db_->path());
}

Result<std::vector<RunInfo>> SqliteStore::ListRuns(bool include_calls) {
  static constexpr const char* kSql =
      CENTAUR_RUN_SELECT("") "WHERE ?1 OR r.kind = 'run' ORDER BY r.id DESC";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, include_calls);
  std::vector<RunInfo> out;
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    CENTAUR_ASSIGN_OR_RETURN(RunInfo run, ReadRun(*st, db_->path()));
    out.push_back(std::move(run));
  }
  return out;
}

Status SqliteStore::FinishRun(int64_t run_id) {
  static constexpr const char* kStats =
      "INSERT OR REPLACE INTO run_stats(run_id, results, succeeded, failed, calls, cache_hits, "
      "input_tokens, output_tokens, cost, labeled, correct, latency_ms) "
      "SELECT ?1, " CENTAUR_RUN_AGGREGATES "FROM results WHERE run_id = ?1";
  static constexpr const char* kDone =
      "UPDATE runs SET status = 'done', finished_ms = ?2 WHERE id = ?1";
  running_run_ = 0;
  CENTAUR_RETURN_IF_ERROR(BeginPending());
  {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kDone));
    st->Bind(1, run_id);
    st->Bind(2, RealClock()->UnixMillis());
    Status s = st->Run();
    if (!s.ok()) return CheckLost(s.error());
    if (sqlite3_changes(db_->handle()) == 0) {
      return MakeError(ErrorCode::kNotFound, fmt::format("{}: no run {}", db_->path(), run_id));
    }
  }
  {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kStats));
    st->Bind(1, run_id);
    Status s = st->Run();
    if (!s.ok()) return CheckLost(s.error());
  }
  return Commit();
}

Result<std::unordered_set<std::string>> SqliteStore::FinishedItemIds(int64_t run_id) {
  static constexpr const char* kSql = "SELECT item_id FROM results WHERE run_id = ?1";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, run_id);
  std::unordered_set<std::string> out;
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.emplace(st->Text(0));
  }
  return out;
}

Status SqliteStore::AddResult(const ResultRecord& result) {
  static constexpr const char* kSql =
      "INSERT INTO results(run_id, item_id, status, output, raw, error, input_tokens, "
      "output_tokens, cost, latency_ms, cache_hit, correct, calls, created_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
  // Not INSERT ... SELECT ... WHERE EXISTS: that form needs a statement
  // journal and so costs twice as much.
  static constexpr const char* kRunning = "SELECT status = 'running' FROM runs WHERE id = ?1";
  static constexpr const char* kUndoAttempts = "DELETE FROM attempts WHERE result_id = ?1";
  static constexpr const char* kUndoResult = "DELETE FROM results WHERE id = ?1";
  if (result.status != "ok" && result.status != "failed") {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("item {}: result status must be \"ok\" or \"failed\", not \"{}\"",
                                 result.item_id, result.status));
  }
  int64_t calls = 0;
  for (const AttemptRecord& a : result.attempts) {
    if (!a.cache_hit) ++calls;
    if (!a.request_json.empty() && a.request_hash.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("item {}: attempt {} has a request body but no request_hash",
                                   result.item_id, a.attempt_no));
    }
  }
  if (result.run_id != running_run_) {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kRunning));
    st->Bind(1, result.run_id);
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("{}: no run {}", db_->path(), result.run_id));
    }
    if (st->Int(0) == 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}: run {} is finished; no results can be added to it",
                                   db_->path(), result.run_id));
    }
    running_run_ = result.run_id;
  }
  CENTAUR_RETURN_IF_ERROR(BeginPending());
  int64_t result_id = 0;
  {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
    std::string output;
    st->Bind(1, result.run_id);
    st->Bind(2, result.item_id);
    st->Bind(3, result.status);
    if (result.output.is_null()) {
      st->BindNull(4);
    } else {
      output = DumpJson(result.output);
      st->Bind(4, output);
    }
    st->Bind(5, result.raw);
    st->Bind(6, result.error);
    st->Bind(7, result.input_tokens);
    st->Bind(8, result.output_tokens);
    st->Bind(9, result.cost);
    st->Bind(10, result.latency_ms);
    st->Bind(11, result.cache_hit);
    if (result.correct) {
      st->Bind(12, *result.correct);
    } else {
      st->BindNull(12);
    }
    st->Bind(13, calls);
    st->Bind(14, result.created_ms != 0 ? result.created_ms : RealClock()->UnixMillis());
    Status s = st->Run();
    if (!s.ok()) {
      if (s.error().code == ErrorCode::kAlreadyExists) {
        return MakeError(
            ErrorCode::kAlreadyExists,
            fmt::format("item {} already has a result in run {}", result.item_id, result.run_id));
      }
      return CheckLost(s.error());
    }
    result_id = db_->LastInsertRowid();
  }
  Status s = InsertAttempts(result_id, result);
  if (s.ok()) return OkStatus();
  // Take the result back out so that nothing of it stays (the requests rows
  // are content-addressed and harmless).
  for (const char* undo : {kUndoAttempts, kUndoResult}) {
    if (!db_->InTransaction()) break;
    auto st = db_->Cached(undo);
    if (!st.ok()) break;
    (*st)->Bind(1, result_id);
    (void)(*st)->Run();
  }
  return CheckLost(s.error());
}

Status SqliteStore::InsertAttempts(int64_t result_id, const ResultRecord& result) {
  static constexpr const char* kRequest =
      "INSERT OR IGNORE INTO requests(hash, body) VALUES (?1, ?2)";
  static constexpr const char* kAttempt =
      "INSERT INTO attempts(result_id, attempt_no, request_hash, response_text, raw_body, status, "
      "error, latency_ms, http_attempts, input_tokens, output_tokens, cost, cache_hit, "
      "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
  if (result.attempts.empty()) return OkStatus();
  CENTAUR_ASSIGN_OR_RETURN(StmtRef req, db_->Cached(kRequest));
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kAttempt));
  for (const AttemptRecord& a : result.attempts) {
    if (!a.request_json.empty()) {
      req->Bind(1, a.request_hash);
      req->Bind(2, a.request_json);
      Status s = req->Run();
      req->Reset();
      CENTAUR_RETURN_IF_ERROR(s);
    }
    st->Bind(1, result_id);
    st->Bind(2, a.attempt_no);
    if (a.request_hash.empty()) {
      st->BindNull(3);
    } else {
      st->Bind(3, a.request_hash);
    }
    st->Bind(4, a.response_text);
    st->Bind(5, a.raw_body);
    st->Bind(6, a.status);
    st->Bind(7, a.error);
    st->Bind(8, a.latency_ms);
    st->Bind(9, a.http_attempts);
    st->Bind(10, a.input_tokens);
    st->Bind(11, a.output_tokens);
    st->Bind(12, a.cost);
    st->Bind(13, a.cache_hit);
    st->Bind(14, a.created_ms != 0 ? a.created_ms : RealClock()->UnixMillis());
    Status s = st->Run();
    st->Reset();
    CENTAUR_RETURN_IF_ERROR(s);
  }
  return OkStatus();
}

Status SqliteStore::LoadAttempts(int64_t result_id, std::vector<AttemptRecord>* out) {
  static constexpr const char* kSql =
      "SELECT a.attempt_no, a.request_hash, q.body, a.response_text, a.raw_body, a.status, "
      "a.error, a.latency_ms, a.http_attempts, a.input_tokens, a.output_tokens, a.cost, "
      "a.cache_hit, a.created_ms FROM attempts a LEFT JOIN requests q ON q.hash = a.request_hash "
      "WHERE a.result_id = ?1 ORDER BY a.attempt_no, a.id";
  out->clear();
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, result_id);
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    AttemptRecord& a = out->emplace_back();
    a.attempt_no = static_cast<int>(st->Int(0));
    a.request_hash = st->String(1);
    a.request_json = st->String(2);
    a.response_text = st->String(3);
    a.raw_body = st->String(4);
    a.status = st->String(5);
    a.error = st->String(6);
    a.latency_ms = st->Real(7);
    a.http_attempts = static_cast<int>(st->Int(8));
    a.input_tokens = st->Int(9);
    a.output_tokens = st->Int(10);
    a.cost = st->OptReal(11);
    a.cache_hit = st->Int(12) != 0;
    a.created_ms = st->Int(13);
  }
  return OkStatus();
}

Result<SqliteStore::RunRef> SqliteStore::GetRunRef(int64_t run_id) {
  static constexpr const char* kSql =
      "SELECT r.dataset_id, json_extract(t.spec, '$.target') FROM runs r LEFT JOIN task_versions "
      "t ON t.name = r.task_name AND t.version = r.task_version WHERE r.id = ?1";
  CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
  st->Bind(1, run_id);
  CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) {
    return MakeError(ErrorCode::kNotFound, fmt::format("{}: no run {}", db_->path(), run_id));
  }
  return RunRef{st->OptInt(0), st->String(1)};
}

Status SqliteStore::ForEachResult(int64_t run_id, bool with_attempts,
                                  const std::function<Status(const ResultRecord&)>& fn) {
  // Results in item order; call runs (no items) in insertion order. SQLite's
  // sorter spills to temporary files, so memory stays flat for large runs.
  static constexpr const char* kSql = CENTAUR_RESULT_SELECT "ORDER BY i.seq, r.id";
  CENTAUR_ASSIGN_OR_RETURN(RunRef ref, GetRunRef(run_id));
  // Not from the statement cache: `fn` may call back into the store, even
  // into ForEachResult.
  CENTAUR_ASSIGN_OR_RETURN(Stmt st, db_->Prepare(kSql));
  st.Bind(1, run_id);
  st.Bind(2, ref.dataset_id);
  ResultRecord r;
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    CENTAUR_RETURN_IF_ERROR(ReadResult(st, db_->path(), run_id, ref.target, &r));
    if (with_attempts) CENTAUR_RETURN_IF_ERROR(LoadAttempts(st.Int(0), &r.attempts));
    CENTAUR_RETURN_IF_ERROR(fn(r));
  }
  return OkStatus();
}

Result<ResultRecord> SqliteStore::GetResult(int64_t run_id, const std::string& item_id) {
  static constexpr const char* kSql = CENTAUR_RESULT_SELECT "AND r.item_id = ?3";
  CENTAUR_ASSIGN_OR_RETURN(RunRef ref, GetRunRef(run_id));
  ResultRecord r;
  int64_t result_id = 0;
  {
    CENTAUR_ASSIGN_OR_RETURN(StmtRef st, db_->Cached(kSql));
    st->Bind(1, run_id);
    st->Bind(2, ref.dataset_id);
    st->Bind(3, item_id);
    CENTAUR_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) {
      return MakeError(ErrorCode::kNotFound, fmt::format("{}: item {} has no result in run {}",
                                                         db_->path(), item_id, run_id));
    }
    CENTAUR_RETURN_IF_ERROR(ReadResult(*st, db_->path(), run_id, ref.target, &r));
    result_id = st->Int(0);
  }
  CENTAUR_RETURN_IF_ERROR(LoadAttempts(result_id, &r.attempts));
  return r;
}

}  // namespace centaur::sqlite

namespace centaur {

std::optional<bool> OutputMatchesGold(const Json& output, const std::string& target,
                                      const std::optional<Json>& gold) {
  if (!gold.has_value() || gold->is_null() || target.empty()) return std::nullopt;
  if (!output.is_object() || !output.contains(target)) return false;
  const Json& predicted = output[target];
  if (gold->is_string() && !predicted.is_string()) {
    return predicted.dump() == gold->get<std::string>();
  }
  return predicted == *gold;
}

}  // namespace centaur
