// SqliteStore: FindResults, the filtered and searched lists of a run's results
// that the web UI pages through.
#include <fmt/format.h>

#include <unordered_map>
#include <unordered_set>

#include "store/sqlite_store.h"

namespace centaur::sqlite {
namespace {

// centaur_matches(output, target, gold): OutputMatchesGold over JSON texts,
// 1, 0 or NULL. Only called for items with an annotated gold, so parsing
// JSON here costs nothing on runs nobody has annotated.
void MatchesFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 3 || sqlite3_value_type(argv[0]) == SQLITE_NULL ||
      sqlite3_value_type(argv[2]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  auto text = [&](int i) {
    const unsigned char* p = sqlite3_value_text(argv[i]);
    return std::string(p ? reinterpret_cast<const char*>(p) : "",
                       static_cast<size_t>(sqlite3_value_bytes(argv[i])));
  };
  Json output = Json::parse(text(0), nullptr, false);
  Json gold = Json::parse(text(2), nullptr, false);
  if (output.is_discarded() || gold.is_discarded()) {
    sqlite3_result_null(ctx);
    return;
  }
  std::optional<bool> m = OutputMatchesGold(output, text(1), gold);
  if (m.has_value()) {
    sqlite3_result_int(ctx, *m ? 1 : 0);
  } else {
    sqlite3_result_null(ctx);
  }
}

// A JSON path naming one object member: $."name".
std::string MemberPath(const std::string& name) {
  std::string out = "$.\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The user's words as an FTS5 query that cannot be a syntax error: each
// whitespace-separated word becomes a quoted prefix phrase ("word"*), and
// the phrases are ANDed. "" when no word is left.
std::string FtsQuery(const std::string& text) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += ' ';
    out += '"' + word + "\"*";
    word.clear();
  };
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      flush();
    } else if (c != '"') {
      word += c;
    }
  }
  flush();
  return out;
}

// A label text in SQL, as LabelText in C++: strings as they are, other JSON
// values as compact JSON text.
std::string LabelTextSql(const std::string& json_expr, const std::string& path) {
  return fmt::format(
      "(CASE json_type({0}, {1}) WHEN 'text' THEN json_extract({0}, {1}) ELSE {0} -> {1} END)",
      json_expr, path);
}

}  // namespace

Result<std::vector<std::string>> SqliteStore::FindResults(int64_t run_id,
                                                          const ResultFilter& filter) {
  const std::string& kind = filter.kind;
  if (kind != "" && kind != "wrong" && kind != "unlabeled" && kind != "disagreements" &&
      kind != "errors" && kind != "invalid") {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("unknown result filter \"{}\" (expected wrong, unlabeled, "
                                 "disagreements, errors or invalid)",
                                 kind));
  }
  CENTAUR_ASSIGN_OR_RETURN(RunRef ref, GetRunRef(run_id));
  if (filter.predicted.has_value() && ref.target.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("run {}'s task names no target to filter predictions by", run_id));
  }
  if (!functions_ready_) {
    int rc = sqlite3_create_function_v2(db_->handle(), "centaur_matches", 3,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                        MatchesFunction, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return db_->ErrorFor(rc, "registering centaur_matches");
    functions_ready_ = true;
  }
  // ?1 run, ?2 dataset, ?3 target, ?4 FTS query, ?5 gold text, ?6 predicted text,
  // ?7 the target's JSON path. Correctness is ReadResult's: the stored one
  // unless an annotation changed the gold.
  std::string sql =
      "SELECT item_id FROM (SELECT r.id, r.item_id, r.status, r.output, i.seq, "
      "CASE WHEN g.label IS NULL THEN r.correct "
      "WHEN r.status <> 'ok' THEN (CASE WHEN ?3 <> '' THEN 0 ELSE r.correct END) "
      "ELSE centaur_matches(r.output, ?3, g.label) END AS correct, "
      "coalesce(g.label, i.gold) AS gold FROM results r "
      "LEFT JOIN items i ON i.dataset_id = ?2 AND i.item_id = r.item_id "
      "LEFT JOIN gold_labels g ON g.dataset_id = ?2 AND g.item_id = r.item_id "
      "WHERE r.run_id = ?1";
  std::string fts = FtsQuery(filter.text);
  if (!fts.empty()) sql += " AND i.seq IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?4)";
  sql += ") x WHERE 1";
  if (kind == "wrong") sql += " AND x.correct = 0";
  if (kind == "unlabeled") sql += " AND x.gold IS NULL";
  if (kind == "errors") {
    sql +=
        " AND (x.status <> 'ok' OR EXISTS (SELECT 1 FROM attempts a WHERE a.result_id = x.id "
        "AND a.status <> 'ok'))";
  }
  if (kind == "invalid") {
    sql +=
        " AND EXISTS (SELECT 1 FROM attempts a WHERE a.result_id = x.id AND a.status = "
        "'invalid')";
  }
  if (filter.gold) sql += " AND " + LabelTextSql("x.gold", "'$'") + " = ?5";
  if (filter.predicted) {
    sql += " AND x.status = 'ok' AND " + LabelTextSql("x.output", "?7") + " = ?6";
  }
  sql += " ORDER BY x.seq, x.id";

  std::unordered_set<std::string> disagreements;
  if (kind == "disagreements" && ref.dataset_id) {
    CENTAUR_ASSIGN_OR_RETURN(std::vector<Annotation> labels, CurrentLabels(*ref.dataset_id));
    std::unordered_map<std::string, std::string> first;
    for (const Annotation& a : labels) {
      std::string text = a.label ? a.label->dump() : "";
      auto [it, inserted] = first.emplace(a.item_id, text);
      if (!inserted && it->second != text) disagreements.insert(a.item_id);
    }
  }

  CENTAUR_ASSIGN_OR_RETURN(Stmt st, db_->Prepare(sql));
  const std::string path = MemberPath(ref.target);
  st.Bind(1, run_id);
  st.Bind(2, ref.dataset_id);
  st.Bind(3, ref.target);
  if (!fts.empty()) st.Bind(4, fts);
  if (filter.gold) st.Bind(5, *filter.gold);
  if (filter.predicted) {
    st.Bind(6, *filter.predicted);
    st.Bind(7, path);
  }
  std::vector<std::string> out;
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    if (kind == "disagreements" && !disagreements.contains(std::string(st.Text(0)))) continue;
    out.emplace_back(st.Text(0));
  }
  return out;
}

}  // namespace centaur::sqlite
