// SqliteStore: FindResults, the filtered and searched lists of a run's results
// that the web UI pages through.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <tuple>
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

// How FindResults reaches a run's results. A text search starts from the
// matching items, by rowid (a rare word costs next to nothing). A filter on
// the results' own columns scans the run's rowids in order when they are
// dense: 100,000 rows read in index (item id) order are 100,000 random
// lookups, in rowid order the same pages read once, about 5x faster.
// Anything else walks the run's index, which holds the item ids. A unary +
// keeps SQLite off an index that would lead it elsewhere.
enum class Access { kSearch, kScan, kIndex };

bool ReadsResultRows(const ResultFilter& filter) {
  const std::string& kind = filter.kind;
  return kind == "wrong" || kind == "errors" || kind == "invalid" || filter.predicted.has_value();
}

// The query for a filter: seq (NULL for results without an item), result id
// and item id of each match, unordered. ?1 run, ?2 dataset, ?3 target, ?4
// FTS query, ?5 gold text, ?6 predicted text, ?7 the target's JSON path,
// ?8..?9 the run's rowids. Correctness is ReadResult's: the stored one unless
// an annotation changed the gold. SQLite joins in the order written:
// gold_labels before items, so that "wrong" looks up the items of the wrong
// results only.
std::string FindSql(const ResultFilter& filter, Access access) {
  std::string sql =
      "SELECT seq, id, item_id FROM (SELECT r.id, r.item_id, r.status, r.output, i.seq, "
      "CASE WHEN g.label IS NULL THEN r.correct "
      "WHEN r.status <> 'ok' THEN (CASE WHEN ?3 <> '' THEN 0 ELSE r.correct END) "
      "ELSE centaur_matches(r.output, ?3, g.label) END AS correct, "
      "coalesce(g.label, i.gold) AS gold FROM ";
  const char* gold_join = "LEFT JOIN gold_labels g ON g.dataset_id = ?2 AND g.item_id = r.item_id ";
  if (access == Access::kSearch) {
    sql += "items i JOIN results r ON r.run_id = ?1 AND r.item_id = i.item_id ";
    sql += gold_join;
    sql +=
        "WHERE +i.dataset_id = ?2 AND i.seq IN "
        "(SELECT rowid FROM items_fts WHERE items_fts MATCH ?4)";
  } else {
    sql += "results r ";
    sql += gold_join;
    sql += "LEFT JOIN items i ON i.dataset_id = ?2 AND i.item_id = r.item_id WHERE ";
    sql += access == Access::kScan ? "r.id BETWEEN ?8 AND ?9 AND +r.run_id = ?1" : "r.run_id = ?1";
  }
  sql += ") x WHERE 1";
  const std::string& kind = filter.kind;
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
  return sql;
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
  const std::string fts = FtsQuery(filter.text);
  // Where the run's results lie: rowids lo..hi, n of them.
  int64_t lo = 0, hi = 0, n = 0;
  if (fts.empty() && ReadsResultRows(filter)) {
    CENTAUR_ASSIGN_OR_RETURN(
        Stmt span,
        db_->Prepare("SELECT min(id), max(id), count(*) FROM results WHERE run_id = ?1"));
    span.Bind(1, run_id);
    CENTAUR_ASSIGN_OR_RETURN(bool row, span.Step());
    if (row) {
      lo = span.Int(0);
      hi = span.Int(1);
      n = span.Int(2);
    }
  }
  // Dense: a run resumed long after others may be spread over the table.
  const Access access = !fts.empty()               ? Access::kSearch
                        : n > 0 && hi - lo < 2 * n ? Access::kScan
                                                   : Access::kIndex;

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

  CENTAUR_ASSIGN_OR_RETURN(Stmt st, db_->Prepare(FindSql(filter, access)));
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
  if (access == Access::kScan) {
    st.Bind(8, lo);
    st.Bind(9, hi);
  }
  // Item order (results without an item first, in insertion order), sorted
  // here: SQLite's sorter takes several times as long for 100,000 rows.
  struct Found {
    int64_t seq, id;
    std::string item_id;
  };
  std::vector<Found> found;
  found.reserve(static_cast<size_t>(n));
  while (true) {
    CENTAUR_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    std::string item(st.Text(2));
    if (kind == "disagreements" && !disagreements.contains(item)) continue;
    found.push_back({st.IsNull(0) ? INT64_MIN : st.Int(0), st.Int(1), std::move(item)});
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return std::tie(a.seq, a.id) < std::tie(b.seq, b.id);
  });
  std::vector<std::string> out;
  out.reserve(found.size());
  for (Found& f : found) out.push_back(std::move(f.item_id));
  return out;
}

}  // namespace centaur::sqlite
